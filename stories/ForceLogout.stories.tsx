import type { Meta, StoryObj } from '@storybook/react-vite'
import { useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { PASSWORDS, useAuth } from './support/auth'
import { DemoApp, RestAuthProvider, StoryLayout } from './support/app'
import { replayFromAnotherBrowser, signInOnAnotherDevice } from './support/backstage'
import { useStoryEnv } from './support/env'
import { EventLog, useEventLog } from './support/eventLog'
import { ServerPanel } from './support/serverPanel'
import { expectSignedIn, loggedEvents, signIn, waitForEvents } from './support/play'
import { storyEnv } from './support/storyServer'

/**
 * A second session of alice's on the server. It must start before this browser signs in: with
 * `emulateCookies` the mock server holds one browser's cookies, and a sign-in elsewhere would
 * replace this browser's fingerprint cookie.
 */
function PhoneSignInButton() {
  const { server } = useStoryEnv()
  const status = useAuth((auth) => auth.status)
  const [done, setDone] = useState(false)
  return (
    <button
      type="button"
      disabled={done || status === 'authenticated'}
      onClick={() => void signInOnAnotherDevice(server, 'alice', PASSWORDS.alice).then(() => setDone(true))}
    >
      {done ? 'Alice is signed in on her phone' : 'Sign alice in on her phone'}
    </button>
  )
}

function ForceLogoutDemo() {
  const { events, onEvent } = useEventLog()
  return (
    <RestAuthProvider onEvent={onEvent}>
      <StoryLayout
        app={<DemoApp everywhere />}
        side={
          <>
            <ServerPanel>
              <PhoneSignInButton />
            </ServerPanel>
            <EventLog events={events} />
          </>
        }
      />
    </RestAuthProvider>
  )
}

/** Calls /api/me with the app's token, from this browser (auth.fetch) and from a thief's browser. */
function FingerprintDemo() {
  const { server } = useStoryEnv()
  const { accessToken, fetch } = useAuth()
  const [results, setResults] = useState<{ from: string; answer: string }[]>([])
  const show = (from: string, answer: string) => setResults((previous) => [...previous, { from, answer }])

  async function fromThisBrowser() {
    const response = await fetch('/api/me')
    const body = (await response.json()) as { name?: string; error?: string }
    show('This browser', `${response.status} ${body.name ?? body.error}`)
  }
  async function fromAnotherBrowser() {
    if (!accessToken) return
    const response = await replayFromAnotherBrowser(server, accessToken)
    const body = (await response.json()) as { name?: string; error?: string }
    show('Another browser, same token', `${response.status} ${body.name ?? body.error}`)
  }

  return (
    <section className="panel" aria-label="Fingerprint check">
      <h3>GET /api/me with the current access token</h3>
      <div className="actions">
        <button type="button" onClick={() => void fromThisBrowser()}>
          Call from this browser
        </button>
        <button type="button" onClick={() => void fromAnotherBrowser()}>
          Replay from another browser
        </button>
      </div>
      <ul aria-label="Answers">
        {results.map(({ from, answer }, index) => (
          <li key={index}>
            {from}: <output>{answer}</output>
          </li>
        ))}
      </ul>
    </section>
  )
}

const meta = {
  title: 'Flows/9 Force logout and fingerprint',
} satisfies Meta

export default meta
type Story = StoryObj<typeof meta>

/**
 * `logout({ everywhere: true })` ends the session here (and in every tab), then `revoke` gets
 * `everywhere: true` and `restRevoke` posts to its `everywhereUrl`, /auth/logout-all: the server
 * revokes every session of the user, the phone's included.
 */
export const LogOutEverywhere: Story = {
  render: () => <ForceLogoutDemo />,
  play: async (context) => {
    const { canvasElement, step } = context
    const { server } = storyEnv(context)
    const canvas = within(canvasElement)
    await step('Alice signs in on her phone', () => userEvent.click(canvas.getByRole('button', { name: 'Sign alice in on her phone' })))
    await expect(await canvas.findByRole('button', { name: 'Alice is signed in on her phone' })).toBeDisabled()
    await step('…and in this browser', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    await expect(server.control.counters()).toMatchObject({ logins: 2, revocations: 0 })

    await step('Log out everywhere', () => userEvent.click(canvas.getByRole('button', { name: 'Log out everywhere' })))
    await expect(canvas.getByRole('form', { name: 'Sign in' })).toBeVisible()
    await waitForEvents(canvasElement, 'logged_out', 1, 1_000)
    await expect(loggedEvents(canvasElement, 'logged_out')[0]).toHaveTextContent('logged_out (everywhere)')
    // Both sessions (refresh-token families) are revoked: this browser's and the phone's.
    await waitFor(() => expect(server.control.counters().revocations).toBe(2))
    await expect(loggedEvents(canvasElement, 'revoke_failed')).toHaveLength(0)
  },
}

/**
 * The server puts the SHA-256 of a random value in the token (`fgp`) and the value itself in an
 * HttpOnly cookie. The token works from this browser; the very same token replayed from another
 * browser, which lacks the cookie, is refused with 401.
 */
export const StolenTokenIsRefused: Story = {
  render: () => (
    <RestAuthProvider>
      <StoryLayout
        app={
          <DemoApp>
            <FingerprintDemo />
          </DemoApp>
        }
        side={<ServerPanel />}
      />
    </RestAuthProvider>
  ),
  play: async (context) => {
    const { canvasElement, step } = context
    const { server } = storyEnv(context)
    const canvas = within(canvasElement)
    await step('Sign in', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')

    await step('Call /api/me from this browser', () => userEvent.click(canvas.getByRole('button', { name: 'Call from this browser' })))
    await expect(await canvas.findByText('200 Alice')).toBeVisible()
    await step('Replay the token from another browser', () =>
      userEvent.click(canvas.getByRole('button', { name: 'Replay from another browser' })),
    )
    await expect(await canvas.findByText('401 invalid_token')).toBeVisible()
    await expect(server.control.counters()).toMatchObject({ unauthorized: 1, refreshes: 0 })
    await expectSignedIn(canvasElement, 'Alice') // the app's own session is untouched
  },
}
