import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, within } from 'storybook/test'
import { useAuth } from './support/auth'
import { revokeSession } from './support/backstage'
import { useStoryEnv } from './support/env'
import { FlowDemo } from './support/flowDemo'
import { expectSignedIn, loggedEvents, signIn, waitForEvents } from './support/play'
import { storyEnv, type AuthServerParameters } from './support/storyServer'

function RevokeSessionButton() {
  const { server } = useStoryEnv()
  const accessToken = useAuth((auth) => auth.accessToken)
  return (
    <button type="button" disabled={!accessToken} onClick={() => accessToken && void revokeSession(server, accessToken)}>
      Revoke this session on the server
    </button>
  )
}

const meta = {
  title: 'Flows/4 Refresh rejected',
  render: () => <FlowDemo controls={<RevokeSessionButton />} />,
  parameters: { authServer: { accessTokenTtl: 4 } satisfies AuthServerParameters },
} satisfies Meta

export default meta
type Story = StoryObj<typeof meta>

/**
 * The server ends the session behind the app's back (an admin, a password change, reuse detection):
 * the access token is revoked and /auth/logout revokes the refresh-token family. The next silent
 * refresh is answered 401 `invalid_grant`; the client does not retry it, keeps the session only
 * until the access token's `exp`, then logs out in every tab with `error.code === 'refresh_rejected'`.
 */
export const ServerRevokedTheSession: Story = {
  play: async (context) => {
    const { canvasElement, step } = context
    const { server, storageKey } = storyEnv(context)
    await step('Sign in', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')

    await step('The server revokes the session', () =>
      userEvent.click(within(canvasElement).getByRole('button', { name: 'Revoke this session on the server' })),
    )
    const notice = await within(canvasElement).findByText('Your session ended: refresh_rejected', {}, { timeout: 8_000 })
    await expect(notice).toBeVisible()
    await expect(within(canvasElement).getByRole('form', { name: 'Sign in' })).toBeVisible()
    await waitForEvents(canvasElement, 'logged_out', 1, 1_000)
    await expect(loggedEvents(canvasElement, 'logged_out')[0]).toHaveTextContent('logged_out (refresh_rejected)')
    const failures = loggedEvents(canvasElement, 'refresh_failed')
    await expect(failures).toHaveLength(1)
    await expect(failures[0]).toHaveTextContent('refresh_failed (refresh_rejected HTTP 401) · no retry')
    await expect(sessionStorage.getItem(storageKey)).toBeNull()
    await expect(server.control.counters()).toMatchObject({ unauthorized: 1, reuseEvents: 0 })
  },
}
