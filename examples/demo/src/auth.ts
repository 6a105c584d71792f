import { QueryClient } from '@tanstack/react-query'
import { createAuthClient, createAuthHooks, dpop, restRefresh, restRevoke, sessionTimeout } from 'jwt-tab-session'
import { createQueryFn, shouldRetry } from 'jwt-tab-session/react-query'
import { requestLogin, type DemoClaims } from '../../shared/app'
import { recordEvent } from './eventLog'
import { sessionLimits } from './sessionLimits'

/** `npm run demo -- --dpop`: set through Vite's `define` by scripts/demo.mjs (false in vite.config.ts). */
declare const __DEMO_DPOP__: boolean

/** DPoP mode: the server binds the tokens to a key that never leaves this browser (RFC 9449). */
export const dpopMode = __DEMO_DPOP__

export const auth = createAuthClient<DemoClaims>({
  // restRefresh sends the `fgp` claim back as `fingerprintHash`; the browser adds the HttpOnly
  // fingerprint cookie, which the server compares with it.
  refresh: restRefresh({ url: '/auth/refresh' }),
  revoke: restRevoke({ url: '/auth/logout', everywhereUrl: '/auth/logout-all' }),
  storageKey: 'demo-session',
  onEvent: recordEvent,
  // Signed out after `idle` s without input in any tab, and `maxAge` s after the login, with a
  // warning `warn` s before (SessionTimeoutDialog). Shorter from the URL: see sessionLimits.ts.
  timeout: sessionTimeout({
    idleTimeout: sessionLimits.idle * 1000,
    maxSessionAge: sessionLimits.maxAge * 1000,
    warnBefore: sessionLimits.warn * 1000,
  }),
  // Every request (API, refresh, logout) then carries a proof of the session's key; see signIn.
  dpop: dpopMode ? dpop() : undefined,
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
 * The login itself is the app's business, not the library's: post the credentials
 * (examples/shared/app.ts), then hand the pair to the client. Sent with `auth.loginFetch`: in
 * DPoP mode it signs the request with the key the session will be bound to; plain fetch otherwise.
 */
export async function signIn(username: string, password: string): Promise<void> {
  const result = await requestLogin(username, password, { fetch: auth.loginFetch })
  if (!result.ok) throw new LoginError(result.message)
  // Throws AuthError('invalid_token') for a pair it cannot use; the form shows its code.
  auth.login(result.tokens)
}
