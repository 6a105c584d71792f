import { QueryClient } from '@tanstack/react-query'
import { createAuthClient, createAuthHooks, restRefresh, restRevoke, type JwtClaims, type TokenPair } from 'react-jwt-session'
import { createQueryFn, shouldRetry } from 'react-jwt-session/react-query'
import { recordEvent } from './eventLog'

/** What the reference server puts in its access tokens besides the registered claims. */
export type DemoClaims = JwtClaims & { sub: string; name: string; roles: string[] }

export const auth = createAuthClient<DemoClaims>({
  // restRefresh sends the `fgp` claim back as `fingerprintHash`; the browser adds the HttpOnly
  // fingerprint cookie, which the server compares with it.
  refresh: restRefresh({ url: '/auth/refresh' }),
  revoke: restRevoke({ url: '/auth/logout', everywhereUrl: '/auth/logout-all' }),
  storageKey: 'demo-session',
  onEvent: recordEvent,
})

// Typed once here, so pages read `claims.roles` without a cast.
export const { useAuth, RequireAuth } = createAuthHooks<DemoClaims>()

// Queries name their URL in the key (`['/api/todos']`) and go through auth.fetch. A 401 or 403 is
// not retried: no retry brings the session back.
export const queryClient = new QueryClient({
  defaultOptions: { queries: { queryFn: createQueryFn(auth), retry: shouldRetry } },
})

export const isAdmin = (claims: DemoClaims) => Array.isArray(claims.roles) && claims.roles.includes('admin')

/** Why a login did not work, in words for the form. */
export class LoginError extends Error {
  override readonly name = 'LoginError'
}

/**
 * The login itself is the app's business, not the library's: post the credentials, then hand the
 * pair to the client. `credentials: 'include'` lets the browser keep the fingerprint cookie.
 */
export async function signIn(username: string, password: string): Promise<void> {
  let response: Response
  try {
    response = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'include',
      body: JSON.stringify({ username, password }),
    })
  } catch {
    throw new LoginError('The server could not be reached.')
  }
  if (response.status === 401) throw new LoginError('Wrong username or password.')
  if (!response.ok) throw new LoginError(`The server answered HTTP ${response.status}.`)
  const { accessToken, refreshToken } = (await response.json()) as TokenPair
  // Throws AuthError('invalid_token') for a pair it cannot use; the form shows its code.
  auth.login({ accessToken, refreshToken })
}
