import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { AuthDevtools } from '../src/devtools'
import { DemoApp, RestAuthProvider, StoryLayout } from './support/app'
import { ServerPanel } from './support/serverPanel'
import { expectSignedIn, sessionStorageValues, signIn } from './support/play'

function DevtoolsDemo({ initialIsOpen }: { initialIsOpen: boolean }) {
  return (
    <RestAuthProvider>
      <StoryLayout
        app={
          <>
            <DemoApp />
            <AuthDevtools name="this tab" initialIsOpen={initialIsOpen} />
          </>
        }
        side={<ServerPanel />}
      />
    </RestAuthProvider>
  )
}

const meta = {
  title: 'Devtools/Panel',
  render: (args) => <DevtoolsDemo {...args} />,
  args: { initialIsOpen: true },
} satisfies Meta<{ initialIsOpen: boolean }>

export default meta
type Story = StoryObj<typeof meta>

const marks = (root: HTMLElement, type: string) => Array.from(root.querySelectorAll<SVGElement>(`.jts-mark[data-type="${type}"]`))

/** Closed on the first visit: one button, which opens the panel from the keyboard without moving the focus anywhere else. */
export const ClosedUntilOpened: Story = {
  args: { initialIsOpen: false },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement)
    const toggle = await canvas.findByRole('button', { name: 'Auth devtools' })
    await expect(toggle).toHaveAttribute('aria-expanded', 'false')
    await expect(canvas.queryByRole('region', { name: 'Auth devtools' })).toBeNull()
    toggle.focus()
    await userEvent.keyboard('{Enter}')
    await expect(toggle).toHaveAttribute('aria-expanded', 'true')
    await expect(canvas.getByRole('region', { name: 'Auth devtools' })).toBeVisible()
    await expect(document.activeElement).toBe(toggle)
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
