import type { Meta, StoryObj } from '@storybook/react-vite'
import { useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { sessionTimeout, type SessionTimeoutOptions } from '../src'
import { SessionTimeoutDialog } from '../examples/shared/SessionTimeoutDialog'
import { DemoApp, RestAuthProvider, StoryLayout } from './support/app'
import { EventLog, useEventLog } from './support/eventLog'
import { ServerPanel } from './support/serverPanel'
import { expectSignedIn, loggedEvents, signIn, waitForEvents } from './support/play'
import { storyEnv } from './support/storyServer'

/** Something to lose when the session ends: where the person was typing when they walked away. */
function Draft() {
  return (
    <section className="panel" aria-label="Draft">
      <h3>Draft</h3>
      <label>
        Message <textarea name="message" rows={3} />
      </label>
    </section>
  )
}

type Limits = Pick<SessionTimeoutOptions, 'idleTimeout' | 'maxSessionAge' | 'warnBefore'>

function SessionTimeoutDemo(limits: Limits) {
  const { events, onEvent } = useEventLog()
  // Made once: AuthProvider reads its options on the first render only.
  const [timeout] = useState(() => sessionTimeout(limits))
  return (
    <RestAuthProvider timeout={timeout} onEvent={onEvent}>
      <StoryLayout
        app={
          <>
            <DemoApp>
              <Draft />
            </DemoApp>
            <SessionTimeoutDialog />
          </>
        }
        side={
          <>
            <ServerPanel />
            <EventLog events={events} />
          </>
        }
      />
    </RestAuthProvider>
  )
}

const meta = {
  title: 'Flows/11 Session timeout',
  component: SessionTimeoutDemo,
} satisfies Meta<typeof SessionTimeoutDemo>

export default meta
type Story = StoryObj<typeof meta>

const message = (root: HTMLElement) => within(root).getByRole('textbox', { name: 'Message' })

/**
 * `sessionTimeout({ idleTimeout: 12_000, warnBefore: 11_000 })`: a second without input and the
 * warning opens, focus on "Stay signed in"; Enter keeps the session and gives focus back to the
 * draft. Left alone, the session ends after 12 s and the sign-in form says why.
 */
export const IdleWarning: Story = {
  args: { idleTimeout: 12_000, warnBefore: 11_000 },
  play: async (context) => {
    const { canvasElement, step } = context
    const { server, storageKey } = storyEnv(context)
    const canvas = within(canvasElement)
    await step('Sign in and start typing', async () => {
      await signIn(canvasElement, 'alice')
      await expectSignedIn(canvasElement, 'Alice')
      await userEvent.type(message(canvasElement), 'Half a thought')
    })

    const dialog = await canvas.findByRole('alertdialog', { name: 'Are you still there?' }, { timeout: 5_000 })
    await expect(dialog).toHaveAttribute('aria-modal', 'true')
    await expect(dialog).toHaveAccessibleDescription(/^You will be signed out in 0:\d\d because of inactivity\.$/)
    const stay = within(dialog).getByRole('button', { name: 'Stay signed in' })
    const signOut = within(dialog).getByRole('button', { name: 'Sign out' })
    await expect(stay).toHaveFocus()
    await expect(loggedEvents(canvasElement, 'session_expiring')[0]).toHaveTextContent('session_expiring (idle)')

    await step('Tab and Shift+Tab stay between the two buttons', async () => {
      await userEvent.tab()
      await expect(signOut).toHaveFocus()
      await userEvent.tab()
      await expect(stay).toHaveFocus()
      await userEvent.tab({ shift: true })
      await expect(signOut).toHaveFocus()
      await userEvent.tab({ shift: true })
      await expect(stay).toHaveFocus()
    })

    await step('Enter: stay signed in', async () => {
      await userEvent.keyboard('{Enter}')
    })
    await waitFor(() => expect(canvas.queryByRole('alertdialog')).toBeNull())
    await expect(message(canvasElement)).toHaveFocus()
    await expect(message(canvasElement)).toHaveValue('Half a thought')
    await expectSignedIn(canvasElement, 'Alice')

    await step('Walk away: the warning again, then the end', async () => {
      const again = await canvas.findByRole('alertdialog', { name: 'Are you still there?' }, { timeout: 5_000 })
      // The live region is quiet as the dialog opens (its description says it all), then speaks at 10 s.
      const live = again.querySelector('[aria-live="polite"]')
      await expect(live).toHaveTextContent(/^$/)
      await waitFor(() => expect(live).toHaveTextContent('10 seconds left before you are signed out.'), { timeout: 3_000 })
    })
    const notice = await canvas.findByText('You were signed out after a period of inactivity.', {}, { timeout: 15_000 })
    await expect(notice).toHaveAttribute('role', 'alert')
    await expect(canvas.queryByRole('alertdialog')).toBeNull()
    await expect(canvas.getByRole('form', { name: 'Sign in' })).toBeVisible()
    await expect(sessionStorage.getItem(storageKey)).toBeNull()
    await waitForEvents(canvasElement, 'logged_out', 1, 1_000)
    await expect(loggedEvents(canvasElement, 'logged_out')[0]).toHaveTextContent('logged_out (idle)')
    // The tab that ends the session revokes it on the server, as a logout would.
    await waitFor(() => expect(server.control.counters().revocations).toBe(1))
  },
}

/**
 * `sessionTimeout({ maxSessionAge: 8_000, warnBefore: 5_000 })`: activity does not help and
 * `extend()` cannot, so the warning offers no "Stay signed in". OK only closes it, for the time left.
 */
export const MaxSessionAge: Story = {
  args: { maxSessionAge: 8_000, warnBefore: 5_000 },
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    await step('Sign in and click into the draft', async () => {
      await signIn(canvasElement, 'alice')
      await expectSignedIn(canvasElement, 'Alice')
      await userEvent.click(message(canvasElement))
    })

    const dialog = await canvas.findByRole('alertdialog', { name: 'Your session is ending' }, { timeout: 5_000 })
    await expect(dialog).toHaveAccessibleDescription(/cannot be extended/)
    await expect(within(dialog).queryByRole('button', { name: 'Stay signed in' })).toBeNull()
    await expect(within(dialog).getByRole('button', { name: 'OK' })).toHaveFocus()
    await expect(within(dialog).getByRole('button', { name: 'Sign out' })).toBeVisible()

    await step('Enter: OK', async () => {
      await userEvent.keyboard('{Enter}')
    })
    await waitFor(() => expect(canvas.queryByRole('alertdialog')).toBeNull())
    await expect(message(canvasElement)).toHaveFocus()
    await expectSignedIn(canvasElement, 'Alice')

    const notice = await canvas.findByText('Your session reached its time limit. Sign in again to continue.', {}, { timeout: 8_000 })
    await expect(notice).toBeVisible()
    await expect(loggedEvents(canvasElement, 'logged_out')[0]).toHaveTextContent('logged_out (max_age)')
  },
}
