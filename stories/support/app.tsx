// The small demo app every story is built from: a sign-in form, the session card, the signed-out notice.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { AuthProvider, type AuthClientOptions, type AuthError } from '../../src'
import { describeSessionEnd, requestLogin, type DemoClaims } from '../../examples/shared/app'
import { restAuthOptions, useAuth } from './auth'
import { useStoryEnv } from './env'

/** An AuthProvider for the REST setup, on the story's own session key. */
export function RestAuthProvider({ children, ...options }: { children?: ReactNode } & Partial<AuthClientOptions<DemoClaims>>) {
  const { storageKey } = useStoryEnv()
  // The adapters are made once; AuthProvider reads its other options on the first render only.
  const [base] = useState(() => restAuthOptions(storageKey))
  return (
    <AuthProvider<DemoClaims> {...base} {...options}>
      {children}
    </AuthProvider>
  )
}

/** With `cookieMode` the server keeps the refresh token in an HttpOnly cookie: the pair has none. */
export function LoginForm({ onSignedIn, cookieMode = false }: { onSignedIn?: () => void; cookieMode?: boolean }) {
  const login = useAuth((auth) => auth.login)
  // Plain fetch, or with `dpop` the request signed with the key the session will be bound to.
  const loginFetch = useAuth((auth) => auth.loginFetch)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setBusy(true)
    setError(null)
    const result = await requestLogin(String(form.get('username')), String(form.get('password')), { cookieMode, fetch: loginFetch })
    setBusy(false)
    if (!result.ok) {
      setError(result.message)
      return
    }
    login(result.tokens)
    onSignedIn?.()
  }

  return (
    <form className="panel" aria-label="Sign in" onSubmit={(event) => void submit(event)}>
      <h3>Sign in</h3>
      <label>
        Username <input name="username" autoComplete="username" />
      </label>
      <label>
        Password <input name="password" type="password" autoComplete="current-password" />
      </label>
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      {error && <p role="alert">{error}</p>}
      <p className="muted">Users: alice / alice-password, admin / admin-password</p>
    </form>
  )
}

/** Time left on the access token, ticking. */
export function Countdown({ expiresAt }: { expiresAt: number | null }) {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 100)
    return () => clearInterval(timer)
  }, [])
  if (expiresAt === null) return <span>—</span>
  const left = expiresAt - now
  return <span aria-label="Access token expires in">{left > 0 ? `${(left / 1000).toFixed(1)} s` : 'expired'}</span>
}

function describeError(error: AuthError): string {
  if (error.code === 'refresh_rejected')
    return 'The server refused the refresh (refresh_rejected): signing out when the access token expires.'
  if (error.code === 'refresh_failed')
    return `Refresh failed${error.status ? ` (HTTP ${error.status})` : ''}: retrying, the session is kept.`
  return error.code
}

/** Who is signed in, which token the tab holds (by its `jti`, never the token itself), and the actions. */
export function SessionCard({ everywhere = false }: { everywhere?: boolean }) {
  const { claims, expiresAt, error } = useAuth()
  if (!claims) return null
  return (
    <section className="panel" aria-label="Session">
      <p>
        Signed in as <strong>{claims.name}</strong>
      </p>
      <dl>
        <dt>Access token id (jti)</dt>
        <dd data-testid="jti">{claims.jti}</dd>
        <dt>Expires in</dt>
        <dd>
          <Countdown expiresAt={expiresAt} />
        </dd>
      </dl>
      {error && (
        <p role="status" className="warning">
          {describeError(error)}
        </p>
      )}
      <SessionActions everywhere={everywhere} />
    </section>
  )
}

/** Refresh now, log out and, with `everywhere`, log out on every device. */
export function SessionActions({ everywhere = false }: { everywhere?: boolean }) {
  const { refresh, logout } = useAuth()
  return (
    <div className="actions">
      <button type="button" onClick={() => void refresh().catch(() => {})}>
        Refresh now
      </button>
      <button type="button" onClick={() => void logout()}>
        Log out
      </button>
      {everywhere && (
        <button type="button" onClick={() => void logout({ everywhere: true })}>
          Log out everywhere
        </button>
      )}
    </div>
  )
}

/**
 * Shown on the sign-in form after a session ended: the error that ended it (`error.code`, e.g.
 * refresh rejected), or else why it ended (`ended`: inactivity, the time limit, another tab…).
 */
export function SignedOutNotice() {
  const error = useAuth((auth) => auth.error)
  const ended = useAuth((auth) => auth.ended)
  const text = error ? `Your session ended: ${error.code}` : ended && describeSessionEnd(ended)
  if (!text) return null
  return (
    <p role="alert" className="warning">
      {text}
    </p>
  )
}

/** Signed in: the session card and the page; signed out: the sign-in form. */
export function DemoApp({ children, everywhere, cookieMode }: { children?: ReactNode; everywhere?: boolean; cookieMode?: boolean }) {
  const status = useAuth((auth) => auth.status)
  if (status === 'initializing') return <p>Loading the session…</p>
  if (status === 'unauthenticated') {
    return (
      <>
        <SignedOutNotice />
        <LoginForm cookieMode={cookieMode} />
      </>
    )
  }
  return (
    <>
      <SessionCard everywhere={everywhere} />
      {children}
    </>
  )
}

/** Two columns: the app, and what happens behind it (server, events). */
export function StoryLayout({ app, side }: { app: ReactNode; side?: ReactNode }) {
  return (
    <div className="story-layout">
      <div className="story-app">{app}</div>
      {side && <div className="story-side">{side}</div>}
    </div>
  )
}
