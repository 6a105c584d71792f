// The app side shared by the stories: how the demo app signs in and which adapters it uses.
import { createAuthHooks, restRefresh, restRevoke, type JwtClaims, type TokenPair } from '../../src'

/** The claims the reference server puts in its access tokens. */
export interface DemoClaims extends JwtClaims {
  sub: string
  jti: string
  name: string
  roles: string[]
}

export const { useAuth, useRequireAuth, RequireAuth } = createAuthHooks<DemoClaims>()

/** The client options of a REST app: refresh and server-side logout against the reference server. */
export function restAuthOptions(storageKey: string) {
  return {
    storageKey,
    refresh: restRefresh({ url: '/auth/refresh' }),
    revoke: restRevoke({ url: '/auth/logout', everywhereUrl: '/auth/logout-all' }),
  }
}

export type LoginResult = { ok: true; tokens: TokenPair } | { ok: false; status: number }

/** The app's own login request; the library takes over from `login(tokens)`. */
export async function requestLogin(username: string, password: string): Promise<LoginResult> {
  const response = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    credentials: 'include',
    body: JSON.stringify({ username, password }),
  })
  if (!response.ok) return { ok: false, status: response.status }
  return { ok: true, tokens: (await response.json()) as TokenPair }
}

/** The names the server gives its seeded users, as shown by the app. */
export const PASSWORDS = { alice: 'alice-password', admin: 'admin-password' } as const
