// The app side shared by the stories: the typed hooks and the adapters the demo app uses. The
// claims and the sign-in request are the demo's too (examples/shared/app.ts).
import { createAuthHooks, restRefresh, restRevoke } from '../../src'
import type { DemoClaims } from '../../examples/shared/app'

export const { useAuth, useSuspenseAuth, useRequireAuth, RequireAuth } = createAuthHooks<DemoClaims>()

/** The client options of a REST app: refresh and server-side logout against the reference server. */
export function restAuthOptions(storageKey: string) {
  return {
    storageKey,
    refresh: restRefresh({ url: '/auth/refresh' }),
    revoke: restRevoke({ url: '/auth/logout', everywhereUrl: '/auth/logout-all' }),
  }
}

/** The names the server gives its seeded users, as shown by the app. */
export const PASSWORDS = { alice: 'alice-password', admin: 'admin-password' } as const
