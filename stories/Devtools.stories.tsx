import type { Meta, StoryObj } from '@storybook/react-vite'
import { useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { sessionTimeout } from '../src'
import { AuthDevtools } from '../src/devtools'
import { createMemoryStorage } from '../src/testing'
import { DemoApp, RestAuthProvider, StoryLayout } from './support/app'
import { expectNoAxeViolations } from './support/axe'
import { ServerPanel } from './support/serverPanel'
import { expectSignedIn, sessionStorageValues, signIn } from './support/play'
import type { AuthServerParameters } from './support/storyServer'

type Args = {
  initialIsOpen: boolean
  /** With `sessionTimeout({ idleTimeout, warnBefore: idleTimeout - 1 s })`: the warning a second after the last input. */
  idleTimeout?: number
  /** With the panel's Faults section for `/auth/refresh` and `/api/me`. */
  faults?: boolean
}

function DevtoolsDemo({ initialIsOpen, idleTimeout, faults }: Args) {
  // Made once: AuthProvider reads its options on the first render only.
  const [timeout] = useState(() => (idleTimeout ? sessionTimeout({ idleTimeout, warnBefore: idleTimeout - 1_000 }) : undefined))
  return (
    <RestAuthProvider timeout={timeout}>
      <StoryLayout
        app={
          <>
            <DemoApp />
            <AuthDevtools
              name="this tab"
              initialIsOpen={initialIsOpen}
              faults={faults ? { url: '/auth/refresh', api: '/api/me' } : undefined}
            />
          </>
        }
        side={<ServerPanel />}
      />
    </RestAuthProvider>
  )
}

/**
 * One "tab" of two in the page: its own AuthProvider and storage (sessionStorage is per tab), the
 * real BroadcastChannel and Web Locks, and its devtools: open in tab A, closed but recording in B.
 */
function Tab({ name }: { name: 'A' | 'B' }) {
  const [storage] = useState(createMemoryStorage)
  return (
    <section className="tab" aria-label={`Tab ${name}`}>
      <h2>Tab {name}</h2>
      <RestAuthProvider storage={storage}>
        <DemoApp />
        <AuthDevtools name={`tab ${name}`} initialIsOpen={name === 'A'} />
      </RestAuthProvider>
    </section>
  )
}

const meta = {
  title: 'Devtools/Panel',
  render: (args) => <DevtoolsDemo {...args} />,
  args: { initialIsOpen: true },
} satisfies Meta<Args>

export default meta
type Story = StoryObj<typeof meta>

const marks = (root: HTMLElement, type: string) => Array.from(root.querySelectorAll<SVGElement>(`.jts-mark[data-type="${type}"]`))
const labels = (root: HTMLElement, type: string) => marks(root, type).map((mark) => mark.getAttribute('aria-label'))
const field = (root: HTMLElement, name: string) => root.querySelector(`[data-field="${name}"]`)
const panelOf = (root: HTMLElement) => within(root).getByRole('region', { name: 'Auth devtools' })
const tabLines = (root: HTMLElement) => Array.from(root.querySelectorAll('.jts-tabs li'), (li) => li.textContent)
const CLOCK = '\\d\\d:\\d\\d:\\d\\d'

/** Closed on the first visit: one button, which opens the panel from the keyboard without moving the focus anywhere else. */
export const ClosedUntilOpened: Story = {
  args: { initialIsOpen: false },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const toggle = await canvas.findByRole('button', { name: 'Auth devtools' })
    await expect(toggle).toHaveAttribute('aria-expanded', 'false')
    await expect(canvas.queryByRole('region', { name: 'Auth devtools' })).toBeNull()
    await expectNoAxeViolations(canvasElement.querySelector('.jts-devtools')!)
    toggle.focus()
    await userEvent.keyboard('{Enter}')
    await expect(toggle).toHaveAttribute('aria-expanded', 'true')
    await expect(panelOf(canvasElement)).toBeVisible()
    await expect(document.activeElement).toBe(toggle)
    await expectNoAxeViolations(canvasElement.querySelector('.jts-devtools')!)
  },
}

/**
 * Healthy: nobody clicks anything after signing in. The tab's own timer refreshes the 4-second
 * token: a green mark over two token bars, the refresh lead shaded; Now says idle, no error, the
 * next refresh planned; Tabs lists this tab with its session.
 */
export const Healthy: Story = {
  parameters: { authServer: { accessTokenTtl: 4 } satisfies AuthServerParameters },
  play: async ({ canvasElement, step }) => {
    await step('Sign in', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    await step('A silent refresh', () =>
      waitFor(() => expect(marks(canvasElement, 'refresh_succeeded')).toHaveLength(1), { timeout: 8_000 }),
    )
    await expect(labels(canvasElement, 'refresh_succeeded')[0]).toMatch(new RegExp(`^refresh by this tab at ${CLOCK}$`))
    await expect(canvasElement.querySelectorAll('.jts-token').length).toBeGreaterThanOrEqual(2)
    await expect(canvasElement.querySelectorAll('.jts-lead').length).toBeGreaterThanOrEqual(1)
    await expect(field(canvasElement, 'status')).toHaveTextContent(/^authenticated$/)
    // "refreshing" until the new pair is stored and told to the other tabs, just after the mark.
    await waitFor(() => expect(field(canvasElement, 'refresh')).toHaveTextContent(/^idle$/))
    await expect(field(canvasElement, 'error')).toHaveTextContent(/^none$/)
    await waitFor(() => expect(field(canvasElement, 'nextRefresh')).toHaveTextContent(new RegExp(`^${CLOCK} \\(in \\d+ s\\)$`)))
    await expect(tabLines(canvasElement)).toEqual([expect.stringMatching(/^this tab \(this tab\) · visible · holds session \S+$/)])
    await expect(marks(canvasElement, 'refresh_failed')).toHaveLength(0)
    await expectNoAxeViolations(panelOf(canvasElement))
  },
}

/**
 * Refresh outage with backoff: the Faults section takes this tab's refresh endpoint down (503).
 * Each failed refresh is a red mark with its status and code; Now shows the backoff and when the
 * next retry goes. The session is kept. Back up, the next retry succeeds: a green mark, no error.
 */
export const RefreshOutageWithBackoff: Story = {
  args: { faults: true },
  parameters: { authServer: { accessTokenTtl: 4 } satisfies AuthServerParameters },
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    await step('Sign in', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    const endpoint = canvas.getByRole('combobox', { name: 'Refresh endpoint (this tab)' })
    await step('Take the refresh endpoint down', () => userEvent.selectOptions(endpoint, 'down'))

    await step('Two failures, backing off', () =>
      waitFor(() => expect(marks(canvasElement, 'refresh_failed').length).toBeGreaterThanOrEqual(2), { timeout: 10_000 }),
    )
    for (const label of labels(canvasElement, 'refresh_failed')) {
      await expect(label).toMatch(new RegExp(`^refresh failed 503 by this tab at ${CLOCK}$`))
    }
    await waitFor(() => expect(field(canvasElement, 'nextRefresh')).toHaveTextContent(new RegExp(`^retry ${CLOCK} \\(in \\d+ s\\)$`)))
    await expect(field(canvasElement, 'refresh')).toHaveTextContent('backing off after a failure')
    await expect(field(canvasElement, 'error')).toHaveTextContent('refresh_failed (HTTP 503)')
    await expect(field(canvasElement, 'status')).toHaveTextContent(/^authenticated/)
    await expectNoAxeViolations(panelOf(canvasElement))

    await step('Bring it back', () => userEvent.selectOptions(endpoint, 'none'))
    await waitFor(() => expect(marks(canvasElement, 'refresh_succeeded')).toHaveLength(1), { timeout: 10_000 })
    await waitFor(() => expect(field(canvasElement, 'error')).toHaveTextContent(/^none$/))
    await waitFor(() => expect(field(canvasElement, 'refresh')).toHaveTextContent(/^idle$/))
    await expect(marks(canvasElement, 'logged_out')).toHaveLength(0)
    await expectSignedIn(canvasElement, 'Alice')
  },
}

/**
 * Two users switching, in two tabs: Alice signs in in tab A and tab B follows; she logs out in A,
 * and Admin signs in in B. Tab A's panel draws both lanes: the logout with its reason in each
 * (B's "(other tab)"), B's login, and A adopting Admin's session. Both tabs now hold Admin's.
 */
export const TwoUsersSwitching: Story = {
  render: () => (
    <div className="story-layout">
      <div className="story-app">
        <div className="tabs">
          <Tab name="A" />
          <Tab name="B" />
        </div>
      </div>
      <div className="story-side">
        <ServerPanel />
      </div>
    </div>
  ),
  play: async ({ canvasElement, step }) => {
    const [a, b] = (['A', 'B'] as const).map((name) => within(canvasElement).getByRole('region', { name: `Tab ${name}` }))
    await step('Alice signs in in tab A: tab B follows', () => signIn(a!, 'alice'))
    await expectSignedIn(a!, 'Alice')
    await expectSignedIn(b!, 'Alice')
    const alice = field(a!, 'sessionId')!.textContent

    await step('Alice logs out in tab A', () => userEvent.click(within(a!).getByRole('button', { name: 'Log out' })))
    await expect(await within(b!).findByRole('form', { name: 'Sign in' })).toBeVisible()
    await step('Admin signs in in tab B: tab A follows', () => signIn(b!, 'admin'))
    await expectSignedIn(b!, 'Admin')
    await expectSignedIn(a!, 'Admin')

    await waitFor(() => expect(marks(a!, 'logged_in').map((mark) => mark.getAttribute('data-tab'))).toEqual(['tab A', 'tab B']))
    await expect(labels(a!, 'logged_out')).toEqual([
      expect.stringMatching(/^logout: user by tab A at /),
      expect.stringMatching(/^logout: user \(other tab\) by tab B at /),
    ])
    await waitFor(() => expect(marks(a!, 'session_adopted').at(-1)?.getAttribute('data-tab')).toBe('tab A'))
    const admin = field(a!, 'sessionId')!.textContent
    await expect(admin).not.toBe(alice)
    await expect(field(a!, 'claims')).toHaveTextContent('Admin')
    await waitFor(() =>
      expect(tabLines(a!)).toEqual([`tab A (this tab) · visible · holds session ${admin}`, `tab B · visible · holds session ${admin}`]),
    )
    await expectNoAxeViolations(panelOf(a!))
  },
}

/**
 * Idle warning: `sessionTimeout({ idleTimeout: 30_000, warnBefore: 29_000 })`. A second without
 * input, the warning is an amber mark, and Now counts down to the end the idle limit will bring.
 */
export const IdleWarning: Story = {
  args: { idleTimeout: 30_000 },
  play: async ({ canvasElement, step }) => {
    await step('Sign in, then no input', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    await waitFor(() => expect(marks(canvasElement, 'session_expiring')).toHaveLength(1), { timeout: 5_000 })
    await expect(labels(canvasElement, 'session_expiring')[0]).toMatch(new RegExp(`^idle warning by this tab at ${CLOCK}$`))
    await expect(marks(canvasElement, 'session_expiring')[0]).toHaveAttribute('data-outcome', 'warn')
    await waitFor(() => expect(field(canvasElement, 'parts')).toHaveTextContent(/^sessionTimeout: idle ends it in 2\d s$/))
    await expect(field(canvasElement, 'status')).toHaveTextContent(/^authenticated$/)
    await expectNoAxeViolations(panelOf(canvasElement))
  },
}

/** A refresh (here the "Refresh now" button) is a green mark in this tab's lane, over the two token bars; no token is on the page. */
export const RefreshOnTheTimeline: Story = {
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    await step('Sign in', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    await step('Refresh now', () => userEvent.click(canvas.getByRole('button', { name: 'Refresh now' })))
    await waitFor(() => expect(marks(canvasElement, 'refresh_succeeded')).toHaveLength(1))
    const [mark] = marks(canvasElement, 'refresh_succeeded')
    await expect(mark).toHaveAttribute('data-outcome', 'ok')
    await expect(mark!.getAttribute('aria-label')).toMatch(/^refresh by this tab at \d\d:\d\d:\d\d$/)
    await expect(canvasElement.querySelectorAll('.jts-token').length).toBeGreaterThanOrEqual(2)
    const page = document.documentElement.outerHTML
    const stored = sessionStorageValues().flatMap((value) => Object.values(JSON.parse(value) as Record<string, unknown>))
    for (const token of stored.filter((value): value is string => typeof value === 'string' && value.length > 20)) {
      await expect(page).not.toContain(token)
    }
  },
}

/** A logout is a mark that says why; Now says how the session ended. */
export const LogoutWithReason: Story = {
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    await step('Sign in', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    await step('Log out', () => userEvent.click(canvas.getByRole('button', { name: 'Log out' })))
    await waitFor(() => expect(marks(canvasElement, 'logged_out')).toHaveLength(1))
    await expect(marks(canvasElement, 'logged_out')[0]!.getAttribute('aria-label')).toMatch(/^logout: user by this tab at /)
    await expect(canvasElement.querySelector('[data-field="ended"]')).toHaveTextContent('user')
    await expect(canvasElement.querySelector('[data-field="status"]')).toHaveTextContent('unauthenticated')
  },
}
