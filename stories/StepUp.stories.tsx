import type { Meta, StoryObj } from '@storybook/react-vite'
import { useState, type FormEvent } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { isAuthError, useRecentAuth, type StepUpChallenge } from '../src'
import { requestLogin } from '../examples/shared/app'
import { DemoApp } from './support/app'
import { useAuth } from './support/auth'
import { FlowDemo } from './support/flowDemo'
import { expectSignedIn, loggedEvents, signIn } from './support/play'
import { storyEnv, type AuthServerParameters } from './support/storyServer'

// How recent a sign-in `/api/sensitive` wants, in seconds: short, so the story can wait it out.
const MAX_AGE = 4

interface SensitiveSettings {
  id: string
  /** The token's `auth_time`, in seconds. */
  signedInAt: number
}

/**
 * The password again, for the step-up: the app signs the user in anew and hands the pair to
 * `login()`. The username comes from the profile; the token carries only the user id.
 */
function ConfirmPassword({ onConfirmed }: { onConfirmed: () => void }) {
  const { fetch, login, claims } = useAuth()
  const [error, setError] = useState<string | null>(null)

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const password = String(new FormData(event.currentTarget).get('password'))
    const { username } = (await (await fetch('/api/me')).json()) as { username: string }
    const result = await requestLogin(username, password)
    if (!result.ok) {
      setError(result.message)
      return
    }
    login(result.tokens) // a new sign-in: every tab of the app adopts it
    onConfirmed()
  }

  return (
    <form aria-label="Confirm your password" onSubmit={(event) => void submit(event)}>
      <p>
        Confirm it is you, <strong>{claims?.name}</strong>:
      </p>
      <label>
        Password <input name="password" type="password" autoComplete="current-password" />
      </label>
      <button type="submit">Confirm</button>
      {error && <p role="alert">{error}</p>}
    </form>
  )
}

/** Calls `/api/sensitive` through `auth.fetch`; a `step_up_required` rejection asks for the password. */
function SensitivePanel() {
  const fetch = useAuth((auth) => auth.fetch)
  const recent = useRecentAuth(MAX_AGE * 1000)
  const [settings, setSettings] = useState<SensitiveSettings | null>(null)
  const [challenge, setChallenge] = useState<StepUpChallenge | null>(null)
  const [exported, setExported] = useState(false)

  async function load() {
    setSettings(null)
    try {
      const response = await fetch('/api/sensitive')
      setSettings((await response.json()) as SensitiveSettings)
      setChallenge(null)
    } catch (error) {
      // No refresh was spent: a new token would carry the same auth_time.
      if (!isAuthError(error) || error.code !== 'step_up_required') throw error
      setChallenge(error.challenge ?? null)
    }
  }

  return (
    <section className="panel" aria-label="Sensitive settings">
      <h3>Sensitive settings</h3>
      <p data-testid="recent">
        {recent ? `Signed in less than ${MAX_AGE} s ago` : `Signed in more than ${MAX_AGE} s ago`} (
        <code>useRecentAuth({MAX_AGE * 1000})</code>)
      </p>
      <div className="actions">
        <button type="button" onClick={() => void load()}>
          Load sensitive settings
        </button>
        {/* Gated in the page: offered only while the sign-in is recent. */}
        <button type="button" disabled={!recent} onClick={() => setExported(true)}>
          Export my data
        </button>
      </div>
      {exported && <p className="muted">Export requested.</p>}
      {settings && (
        <dl>
          <dt>Account</dt>
          <dd data-testid="account">{settings.id}</dd>
          <dt>Signed in at</dt>
          <dd>{new Date(settings.signedInAt * 1000).toLocaleTimeString()}</dd>
        </dl>
      )}
      {challenge && (
        <>
          <p role="alert" className="warning" data-testid="challenge">
            step_up_required: {challenge.error}
            {challenge.maxAge !== undefined && `, max_age=${challenge.maxAge}`}
          </p>
          <ConfirmPassword onConfirmed={() => void load()} />
        </>
      )}
    </section>
  )
}

const meta = {
  title: 'Flows/12 Step-up sign-in',
  render: () => (
    <FlowDemo
      app={
        <DemoApp>
          <SensitivePanel />
        </DemoApp>
      }
    />
  ),
  parameters: { authServer: { recentAuthMaxAge: MAX_AGE } satisfies AuthServerParameters },
} satisfies Meta

export default meta
type Story = StoryObj<typeof meta>

/**
 * `/api/sensitive` answers only within 4 s of the sign-in (the token's `auth_time`). After that it
 * answers 401 with `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age=4`:
 * `auth.fetch` rejects with `step_up_required` and the challenge, spends no refresh, and the
 * session stays. The password again, `login()` with the new pair, and the call goes through.
 * `useRecentAuth(4000)` turns false by itself meanwhile and disables the export button.
 */
export const StepUpAfterMaxAge: Story = {
  play: async (context) => {
    const { canvasElement, step } = context
    const { server } = storyEnv(context)
    const canvas = within(canvasElement)
    await step('Sign in and load the settings while the sign-in is recent', async () => {
      await signIn(canvasElement, 'alice')
      await expectSignedIn(canvasElement, 'Alice')
      await expect(canvas.getByTestId('recent')).toHaveTextContent(`less than ${MAX_AGE} s`)
      await userEvent.click(canvas.getByRole('button', { name: 'Load sensitive settings' }))
      await expect(await canvas.findByTestId('account')).toHaveTextContent('user-alice')
    })
    const exportButton = canvas.getByRole('button', { name: 'Export my data' })
    await expect(exportButton).toBeEnabled()

    await step(`Wait out the ${MAX_AGE} s: useRecentAuth turns false by itself`, () =>
      waitFor(() => expect(canvas.getByTestId('recent')).toHaveTextContent(`more than ${MAX_AGE} s`), { timeout: MAX_AGE * 1000 + 2_000 }),
    )
    await expect(exportButton).toBeDisabled()

    await step('Load again: the server asks for a recent sign-in', () =>
      userEvent.click(canvas.getByRole('button', { name: 'Load sensitive settings' })),
    )
    await expect(await canvas.findByTestId('challenge')).toHaveTextContent(
      `step_up_required: insufficient_user_authentication, max_age=${MAX_AGE}`,
    )
    await expect(canvas.queryByTestId('account')).toBeNull()
    await expect(loggedEvents(canvasElement, 'step_up_required')).toHaveLength(1)
    await expect(server.control.counters()).toMatchObject({ logins: 1, refreshes: 0 })
    await expectSignedIn(canvasElement, 'Alice') // the session is kept

    await step('Confirm the password: login() with the new pair, then the call goes through', async () => {
      const form = canvas.getByRole('form', { name: 'Confirm your password' })
      await userEvent.type(within(form).getByLabelText('Password'), 'alice-password')
      await userEvent.click(within(form).getByRole('button', { name: 'Confirm' }))
    })
    await expect(await canvas.findByTestId('account')).toHaveTextContent('user-alice')
    await expect(canvas.queryByTestId('challenge')).toBeNull()
    await expect(canvas.getByTestId('recent')).toHaveTextContent(`less than ${MAX_AGE} s`)
    await expect(exportButton).toBeEnabled()
    await expect(loggedEvents(canvasElement, 'logged_in')).toHaveLength(2)
    await expect(server.control.counters()).toMatchObject({ logins: 2, refreshes: 0, reuseEvents: 0 })
  },
}
