import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { RequireAuth } from './support/auth'
import { DemoApp, RestAuthProvider, StoryLayout } from './support/app'
import { ServerPanel } from './support/serverPanel'
import { expectSignedIn, sessionStorageValues, signIn } from './support/play'
import { storyEnv } from './support/storyServer'

function PrivateNotes() {
  return (
    <section className="panel" aria-label="Private notes">
      <h3>Private notes</h3>
      <p>Only a signed-in user sees this.</p>
    </section>
  )
}

const meta = {
  title: 'Flows/2 Logout',
  render: () => (
    <RestAuthProvider>
      <StoryLayout
        app={
          <>
            <DemoApp />
            <RequireAuth fallback={<p>Private notes are hidden while signed out.</p>}>
              <PrivateNotes />
            </RequireAuth>
          </>
        }
        side={<ServerPanel />}
      />
    </RestAuthProvider>
  ),
} satisfies Meta

export default meta
type Story = StoryObj<typeof meta>

/**
 * `logout()` clears the session in storage and memory first (the guarded content goes at once), then
 * revokes the refresh token on the server through `restRevoke` (POST /auth/logout).
 */
export const LogOut: Story = {
  play: async (context) => {
    const { canvasElement, step } = context
    const { server, storageKey } = storyEnv(context)
    const canvas = within(canvasElement)
    await step('Sign in', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    await expect(canvas.getByRole('region', { name: 'Private notes' })).toBeVisible()
    const stored = sessionStorage.getItem(storageKey)
    await expect(stored).not.toBeNull()
    const { accessToken, refreshToken } = JSON.parse(stored ?? '{}') as { accessToken: string; refreshToken: string }

    await step('Log out', () => userEvent.click(canvas.getByRole('button', { name: 'Log out' })))
    await expect(canvas.queryByRole('region', { name: 'Private notes' })).toBeNull()
    await expect(canvas.getByText('Private notes are hidden while signed out.')).toBeVisible()
    await expect(canvas.getByRole('form', { name: 'Sign in' })).toBeVisible()
    await expect(sessionStorage.getItem(storageKey)).toBeNull()
    for (const value of sessionStorageValues()) {
      await expect(value).not.toContain(accessToken)
      await expect(value).not.toContain(refreshToken)
    }
    // The server-side logout runs after the local one: the refresh-token family is revoked.
    await waitFor(() => expect(server.control.counters().revocations).toBe(1))
  },
}
