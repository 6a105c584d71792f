import type { Meta, StoryObj } from '@storybook/react-vite'
import { useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { createMemoryStorage } from '../src/testing'
import { DemoApp, RestAuthProvider } from './support/app'
import { EventLog, useEventLog } from './support/eventLog'
import { ServerPanel } from './support/serverPanel'
import { expectSignedIn, loggedEvents, shownJti, signIn, waitForEvents } from './support/play'
import { storyEnv, type AuthServerParameters } from './support/storyServer'

/**
 * One "tab": its own AuthProvider and its own storage (sessionStorage is per tab), with the real
 * BroadcastChannel and navigator.locks and the same storageKey as the other tab.
 */
function Tab({ name }: { name: string }) {
  const [storage] = useState(createMemoryStorage)
  const { events, onEvent } = useEventLog()
  return (
    <section className="tab" aria-label={`Tab ${name}`}>
      <h2>Tab {name}</h2>
      <RestAuthProvider storage={storage} onEvent={onEvent}>
        <DemoApp />
      </RestAuthProvider>
      <EventLog events={events} label={`Tab ${name} events`} />
    </section>
  )
}

function CrossTabDemo({ secondTabOpen }: { secondTabOpen: boolean }) {
  const [open, setOpen] = useState(secondTabOpen)
  return (
    <div className="story-layout">
      <div className="story-app">
        <div className="tabs">
          <Tab name="A" />
          {open ? (
            <Tab name="B" />
          ) : (
            <button type="button" onClick={() => setOpen(true)}>
              Open tab B
            </button>
          )}
        </div>
      </div>
      <div className="story-side">
        <ServerPanel />
      </div>
    </div>
  )
}

const meta = {
  title: 'Flows/8 Cross-tab',
  component: CrossTabDemo,
} satisfies Meta<typeof CrossTabDemo>

export default meta
type Story = StoryObj<typeof meta>

const tab = (root: HTMLElement, name: string) => within(root).getByRole('region', { name: `Tab ${name}` })

/**
 * Tab B opens with empty storage and asks the other tabs for the session (handoff). A refresh in
 * either tab is adopted by the other: both show the same token id, and the server saw one refresh
 * per rotation. Logging out in B logs A out too.
 */
export const HandoffRefreshAndLogout: Story = {
  args: { secondTabOpen: false },
  play: async (context) => {
    const { canvasElement, step } = context
    const { server } = storyEnv(context)
    const a = tab(canvasElement, 'A')
    await step('Sign in in tab A', () => signIn(a, 'alice'))
    await expectSignedIn(a, 'Alice')

    await step('Open tab B: it is handed the session', () =>
      userEvent.click(within(canvasElement).getByRole('button', { name: 'Open tab B' })),
    )
    const b = tab(canvasElement, 'B')
    await expectSignedIn(b, 'Alice')
    await expect(shownJti(b)).toBe(shownJti(a))
    await expect(loggedEvents(b, 'session_adopted')[0]).toHaveTextContent('session_adopted (handoff)')

    const first = shownJti(a)
    await step('Refresh in tab A', () => userEvent.click(within(a).getByRole('button', { name: 'Refresh now' })))
    await waitFor(() => expect(shownJti(a)).not.toBe(first))
    await waitFor(() => expect(shownJti(b)).toBe(shownJti(a)))
    await expect(server.control.counters().refreshes).toBe(1)

    const second = shownJti(b)
    await step('Refresh in tab B', () => userEvent.click(within(b).getByRole('button', { name: 'Refresh now' })))
    await waitFor(() => expect(shownJti(b)).not.toBe(second))
    await waitFor(() => expect(shownJti(a)).toBe(shownJti(b)))
    await expect(server.control.counters()).toMatchObject({ refreshes: 2, reuseEvents: 0 })

    await step('Log out in tab B', () => userEvent.click(within(b).getByRole('button', { name: 'Log out' })))
    await expect(await within(a).findByRole('form', { name: 'Sign in' })).toBeVisible()
    await expect(within(b).getByRole('form', { name: 'Sign in' })).toBeVisible()
    await waitForEvents(a, 'logged_out', 1, 1_000)
    await expect(loggedEvents(a, 'logged_out')[0]).toHaveTextContent('logged_out (user) from another tab')
  },
}

/**
 * Both tabs hold 3-second tokens and both schedule a refresh. The Web Lock lets one tab refresh; the
 * other adopts the broadcast pair and skips. A rotating refresh token used twice would make the
 * server revoke the family: `reuseEvents` stays 0 and both tabs stay signed in on the same token.
 */
export const OneSilentRefreshAcrossTabs: Story = {
  args: { secondTabOpen: true },
  parameters: { authServer: { accessTokenTtl: 3 } satisfies AuthServerParameters },
  play: async (context) => {
    const { canvasElement, step } = context
    const { server } = storyEnv(context)
    const [a, b] = [tab(canvasElement, 'A'), tab(canvasElement, 'B')]
    await step('Sign in in tab A: tab B follows', () => signIn(a, 'alice'))
    await expectSignedIn(a, 'Alice')
    await expectSignedIn(b, 'Alice')

    await step('Wait for two rotations', () =>
      waitFor(() => expect(server.control.counters().refreshes).toBeGreaterThanOrEqual(2), { timeout: 10_000 }),
    )
    await waitFor(() => expect(shownJti(b)).toBe(shownJti(a)))
    await expectSignedIn(a, 'Alice')
    await expectSignedIn(b, 'Alice')
    await expect(server.control.counters()).toMatchObject({ reuseEvents: 0, unauthorized: 0 })
    await expect([...loggedEvents(a, 'logged_out'), ...loggedEvents(b, 'logged_out')]).toHaveLength(0)
  },
}
