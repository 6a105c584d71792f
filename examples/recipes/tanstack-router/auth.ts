// auth.ts — one client for the app
import { createAuthClient, restRefresh, restRevoke } from 'jwt-tab-session'

export const auth = createAuthClient({
  refresh: restRefresh({ url: '/auth/refresh' }), // POST { refreshToken } → { accessToken, refreshToken }
  revoke: restRevoke({ url: '/auth/logout', everywhereUrl: '/auth/logout-all' }),
})
