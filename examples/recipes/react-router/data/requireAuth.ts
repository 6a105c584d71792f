// data/requireAuth.ts — the data router's guard: middleware that knows the session before any loader runs
import { redirect, type MiddlewareFunction } from 'react-router'
import type { AuthClient } from 'jwt-tab-session'

/**
 * Waits for the session (restored, or handed over by another tab, also before <AuthProvider> has
 * started the client), then lets the loaders below run; signed out, it sends the visitor to the
 * login page with the way back.
 */
export function requireAuth(auth: AuthClient): MiddlewareFunction {
  return async ({ request }) => {
    const { status } = await auth.ready()
    if (status === 'authenticated') return
    const { pathname, search } = new URL(request.url)
    throw redirect(`/login?returnTo=${encodeURIComponent(pathname + search)}`)
  }
}
