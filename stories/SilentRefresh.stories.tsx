import type { Meta, StoryObj } from '@storybook/react-vite'
import { jwtDecode } from 'jwt-decode'
import { expect, waitFor, within } from 'storybook/test'
import { FlowDemo } from './support/flowDemo'
import { expectSignedIn, loggedEvents, shownJti, signIn } from './support/play'
import { storyEnv, type AuthServerParameters } from './support/storyServer'

const TTL = 3_000

const meta = {
  title: 'Flows/3 Silent refresh',
  render: () => <FlowDemo />,
  parameters: { authServer: { accessTokenTtl: TTL / 1000 } satisfies AuthServerParameters },
} satisfies Meta

export default meta
type Story = StoryObj<typeof meta>

/**
 * Access tokens live 3 s. The client refreshes each one about a third of its lifetime before `exp`
 * (`refreshLeadTime`, clamped for short tokens, minus a random part): the countdown never reaches
 * zero, the token id changes every second or two, and the session outlives its tokens.
 */
export const SessionOutlivesItsTokens: Story = {
  play: async (context) => {
    const { canvasElement, step } = context
    const { server, storageKey } = storyEnv(context)
    await step('Sign in', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    const firstJti = shownJti(canvasElement)
    const firstExpiry = expiryOfStoredToken(storageKey)
    await expect(within(canvasElement).getByLabelText('Access token expires in')).toHaveTextContent(/\d\.\d s/)

    await step('Outlive the first token by another full lifetime', () =>
      waitFor(
        () => {
          expect(Date.now()).toBeGreaterThan(firstExpiry + TTL)
          expect(loggedEvents(canvasElement, 'refresh_succeeded').length).toBeGreaterThanOrEqual(2)
        },
        { timeout: 10_000 },
      ),
    )
    await expectSignedIn(canvasElement, 'Alice')
    await expect(shownJti(canvasElement)).not.toBe(firstJti)
    await expect(expiryOfStoredToken(storageKey)).toBeGreaterThan(Date.now()) // the token held now is live
    await expect(loggedEvents(canvasElement, 'logged_out')).toHaveLength(0)
    await expect(loggedEvents(canvasElement, 'refresh_failed')).toHaveLength(0)
    const counters = server.control.counters()
    await expect(counters.refreshes).toBeGreaterThanOrEqual(2)
    await expect(counters).toMatchObject({ logins: 1, reuseEvents: 0, unauthorized: 0 })
  },
}

/** `exp` (in ms) of the access token in sessionStorage; the test may look, the page never shows it. */
function expiryOfStoredToken(storageKey: string): number {
  const { accessToken } = JSON.parse(sessionStorage.getItem(storageKey) ?? '{}') as { accessToken: string }
  return jwtDecode(accessToken).exp! * 1000
}
