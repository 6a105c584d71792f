import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, within } from 'storybook/test'
import { useStoryEnv } from './support/env'
import { FlowDemo } from './support/flowDemo'
import { expectSignedIn, loggedEvents, signIn, waitForEvents } from './support/play'
import { storyEnv, type AuthServerParameters } from './support/storyServer'

const FAILURES = 2

function FailRefreshesButton() {
  const { server } = useStoryEnv()
  return (
    <button type="button" onClick={() => server.control.failNextRefreshes(FAILURES, 503)}>
      Fail the next {FAILURES} refreshes (503)
    </button>
  )
}

const meta = {
  title: 'Flows/5 Refresh endpoint down',
  render: () => <FlowDemo controls={<FailRefreshesButton />} />,
  parameters: { authServer: { accessTokenTtl: 4 } satisfies AuthServerParameters },
} satisfies Meta

export default meta
type Story = StoryObj<typeof meta>

/**
 * The refresh endpoint answers 503 twice. A 5xx is transient: the client keeps the session (even
 * past the access token's `exp`), shows `error.code === 'refresh_failed'`, retries with jittered
 * backoff (about 1 s, then 2 s), and recovers as soon as the endpoint answers again.
 */
export const RetriesAndRecovers: Story = {
  play: async (context) => {
    const { canvasElement, step } = context
    const { server } = storyEnv(context)
    await step('Sign in', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    await step('Take the refresh endpoint down', () =>
      userEvent.click(within(canvasElement).getByRole('button', { name: `Fail the next ${FAILURES} refreshes (503)` })),
    )

    await step('Two failures, each with a retry', () => waitForEvents(canvasElement, 'refresh_failed', FAILURES, 8_000))
    for (const failure of loggedEvents(canvasElement, 'refresh_failed')) {
      await expect(failure).toHaveTextContent(/refresh_failed \(refresh_failed HTTP 503\) · retry in \d\.\d s/)
    }
    await expectSignedIn(canvasElement, 'Alice')

    await step('Recovered', () => waitForEvents(canvasElement, 'refresh_succeeded', 1, 8_000))
    await expectSignedIn(canvasElement, 'Alice')
    await expect(within(canvasElement).queryByRole('status')).toBeNull() // the error is cleared
    await expect(loggedEvents(canvasElement, 'logged_out')).toHaveLength(0)
    await expect(server.control.counters().refreshes).toBeGreaterThanOrEqual(1)
    await expect(server.control.counters()).toMatchObject({ logins: 1, reuseEvents: 0 })
  },
}
