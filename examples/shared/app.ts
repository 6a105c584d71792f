// The app side the demo (examples/demo) and the stories (stories/) share: the claims the reference
// server issues, the sign-in request, one line of text per client event, and why a session ended
// in words for the sign-in page (the warning dialog is SessionTimeoutDialog.tsx). Not part of the
// library: signing in is the app's business, and how an event reads on screen is the app's choice.
// Type-only imports from the package, so both builds take this file as it is.
import type { AuthEvent, JwtClaims, SessionEnd, TokenPair } from 'jwt-tab-session'

/** What the reference server puts in its access tokens besides the registered claims. */
export interface DemoClaims extends JwtClaims {
  sub: string
  jti: string
  name: string
  roles: string[]
}

export type LoginResult = { ok: true; tokens: TokenPair } | { ok: false; message: string }

/**
 * Posts the credentials to the reference server; the library takes over from `login(tokens)`.
 * `credentials: 'include'` lets the browser keep the HttpOnly fingerprint cookie. With
 * `cookieMode` the server keeps the refresh token in an HttpOnly cookie too, and the pair has none.
 * `fetch` sends the request: pass `auth.loginFetch`, which with `dpop` signs it with the key the
 * session will be bound to, and is plain `fetch` otherwise.
 */
export async function requestLogin(
  username: string,
  password: string,
  { cookieMode = false, fetch: send = fetch }: { cookieMode?: boolean; fetch?: typeof fetch } = {},
): Promise<LoginResult> {
  let response: Response
  try {
    response = await send('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'include',
      body: JSON.stringify(cookieMode ? { username, password, cookieMode } : { username, password }),
    })
  } catch {
    return { ok: false, message: 'The server could not be reached.' }
  }
  if (response.status === 401) return { ok: false, message: 'Wrong username or password.' }
  if (!response.ok) return { ok: false, message: `The server answered HTTP ${response.status}.` }
  const { accessToken, refreshToken } = (await response.json()) as TokenPair
  return { ok: true, tokens: { accessToken, refreshToken } }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** What an event adds to its type, or '' (`logged_out` → `(user) from another tab`). Events never carry a token. */
export function eventDetail(event: AuthEvent): string {
  switch (event.type) {
    case 'logged_out':
      return `(${event.reason})${event.fromOtherTab ? ' from another tab' : ''}`
    case 'session_restored':
      return `(${event.from})`
    case 'session_adopted':
      return `(${event.from}) after ${event.waited} ms`
    case 'handoff_timeout':
      return `(no other tab answered in ${event.waited} ms)`
    case 'refresh_scheduled':
      return `in ${seconds(event.in)}`
    case 'refresh_succeeded':
      return `· valid until ${new Date(event.expiresAt).toLocaleTimeString()}`
    case 'session_expiring':
      return `(${event.reason}) · ends at ${new Date(event.at).toLocaleTimeString()}`
    case 'refresh_skipped':
      return `(${event.reason})`
    case 'refresh_failed': {
      const status = event.error.status === undefined ? '' : ` HTTP ${event.error.status}`
      const retry = event.retryIn === null ? 'no retry' : `retry in ${seconds(event.retryIn)}`
      return `(${event.error.code}${status}) · ${retry}`
    }
    case 'storage_unavailable':
    case 'revoke_failed':
      return `(${event.error.code})`
    case 'step_up_required':
      return `(${event.error}${event.maxAge === undefined ? '' : `, max_age ${event.maxAge} s`})`
    default:
      return ''
  }
}

/** One line per event: its type and what it adds (`refresh_failed (refresh_failed HTTP 503) · retry in 1.2 s`). */
export function describeEvent(event: AuthEvent): string {
  const detail = eventDetail(event)
  return detail ? `${event.type} ${detail}` : event.type
}

/**
 * Why the last session ended, for the sign-in page (`state.ended`); null when there is nothing to
 * tell: the person signed out here, themselves.
 */
export function describeSessionEnd({ reason, fromOtherTab }: SessionEnd): string | null {
  switch (reason) {
    case 'idle':
      return 'You were signed out after a period of inactivity.'
    case 'max_age':
      return 'Your session reached its time limit. Sign in again to continue.'
    case 'everywhere':
      return 'You signed out on every device.'
    case 'refresh_rejected':
      return 'The server ended your session.'
    case 'expired':
      return 'Your session expired.'
    case 'user':
      return fromOtherTab ? 'You signed out in another tab.' : null
  }
}
