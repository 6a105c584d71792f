import { useState, type FormEvent } from 'react'
import { isAuthError } from 'jwt-tab-session'
import { Navigate, useSearchParams } from 'react-router'
import { describeSessionEnd } from '../../../shared/app'
import { LoginError, signIn, useAuth } from '../auth'

// The reference server's seeded accounts (src/testing/server/users.ts).
const USERS = [
  { username: 'alice', password: 'alice-password', roles: 'user' },
  { username: 'admin', password: 'admin-password', roles: 'user, admin' },
]

export function LoginPage() {
  const status = useAuth((s) => s.status)
  // Why the last session ended (inactivity, the time limit, another tab…), if there is something to say.
  const ended = useAuth((s) => s.ended)
  const notice = ended && describeSessionEnd(ended)
  const [params] = useSearchParams()
  const returnTo = safeReturnTo(params.get('returnTo'))
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  // Signed in (by this form, or in another tab meanwhile): go where the visitor was headed.
  if (status === 'authenticated') return <Navigate to={returnTo} replace />

  async function submit(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await signIn(username, password)
    } catch (caught) {
      setError(caught instanceof LoginError ? caught.message : isAuthError(caught) ? `Login refused: ${caught.code}` : 'Login failed.')
    } finally {
      setBusy(false)
    }
  }

  return (
    <section>
      <h2>Sign in</h2>
      {notice && (
        <p className="notice" role="alert" data-testid="ended">
          {notice}
        </p>
      )}
      <form onSubmit={submit} className="login">
        <label>
          Username
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <h3>Demo accounts</h3>
      <ul className="hints">
        {USERS.map((user) => (
          <li key={user.username}>
            <code>{user.username}</code> / <code>{user.password}</code> <span className="muted">({user.roles})</span>{' '}
            <button
              type="button"
              onClick={() => {
                setUsername(user.username)
                setPassword(user.password)
              }}
            >
              Fill in
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}

/** Only a path on this site: `returnTo` comes from the URL, and an open redirect helps phishing. */
function safeReturnTo(value: string | null): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/'
}
