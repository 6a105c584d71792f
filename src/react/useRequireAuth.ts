'use client'
import { useEffect, useInsertionEffect, useRef } from 'react'
import type { JwtClaims } from '../core/tokens'
import type { AuthStatus, LogoutReason, SessionEnd } from '../core/types'
import { useAuthContext } from './context'
import { useAuth } from './useAuth'

/** Options of `useRequireAuth` and `<RequireAuth>`. */
export interface UseRequireAuthOptions<TClaims extends JwtClaims = JwtClaims> {
  /**
   * Where to send a visitor without a session, e.g. `/login`. The page is replaced (not pushed, so
   * Back does not return to a page that would redirect again) and `returnTo` is appended.
   */
  redirectTo?: string
  /**
   * Called instead of the redirect, once per loss of the session: hand it to your router.
   * `reason` says how the session ended (null: there was none on this page).
   */
  onUnauthenticated?: (context: { returnTo: string; reason: LogoutReason | null }) => void
  /**
   * Where to come back to after sign-in. Default: the page's path, query and fragment. Pass your
   * router's location when they differ (a `basename`, a memory router).
   */
  returnTo?: string
  /** False renders `forbidden` and never redirects (the visitor is signed in; a redirect would loop). */
  authorize?: (claims: TClaims) => boolean
}

/** What a guard decided; `claims` is set when the visitor is signed in, `reason` when a session ended here. */
export type UseRequireAuthResult<TClaims extends JwtClaims = JwtClaims> =
  | { status: 'loading'; claims: null }
  | { status: 'unauthenticated'; claims: null; reason: LogoutReason | null }
  | { status: 'authenticated' | 'forbidden'; claims: TClaims }

/**
 * Guards a page: `loading` while the session is not known yet (never redirects then, so a new tab
 * waiting for another tab's session stays put), `unauthenticated` → one call to
 * `onUnauthenticated` or one redirect, `forbidden` when `authorize` says no.
 */
export function useRequireAuth(options: UseRequireAuthOptions = {}): UseRequireAuthResult {
  useAuthContext('useRequireAuth') // so the missing-provider error names this hook
  const status = useAuth(selectStatus)
  const claims = useAuth(selectClaims)
  const reason = useAuth(selectReason)
  const { authorize } = options

  // The latest options without listing them as effect deps: inline callbacks change every render.
  const latest = useRef(options)
  const latestReason = useRef(reason)
  useInsertionEffect(() => {
    latest.current = options
    latestReason.current = reason
  })

  // The status the effect last acted on. A ref survives StrictMode's effect re-run, so the same
  // transition is not acted on twice; a real transition (logged in again, then out) is.
  const seen = useRef<AuthStatus | null>(null)
  useEffect(() => {
    const previous = seen.current
    seen.current = status
    if (status !== 'unauthenticated' || previous === 'unauthenticated') return
    const { onUnauthenticated, redirectTo, returnTo = currentPath() } = latest.current
    if (onUnauthenticated) onUnauthenticated({ returnTo, reason: latestReason.current })
    else if (redirectTo !== undefined) window.location.replace(withReturnTo(redirectTo, returnTo))
  }, [status])

  if (status === 'initializing') return { status: 'loading', claims: null }
  if (status === 'unauthenticated' || claims === null) return { status: 'unauthenticated', claims: null, reason }
  return { status: !authorize || authorize(claims) ? 'authenticated' : 'forbidden', claims }
}

const selectStatus = (auth: { status: AuthStatus }) => auth.status
const selectClaims = (auth: { claims: JwtClaims | null }) => auth.claims
const selectReason = (auth: { ended: SessionEnd | null }) => auth.ended?.reason ?? null

function currentPath(): string {
  const { pathname, search, hash } = window.location
  return pathname + search + hash
}

/** `/login` → `/login?returnTo=…`; keeps a query string and a fragment already in `redirectTo`. */
export function withReturnTo(redirectTo: string, returnTo: string): string {
  const hashAt = redirectTo.indexOf('#')
  const base = hashAt < 0 ? redirectTo : redirectTo.slice(0, hashAt)
  const fragment = hashAt < 0 ? '' : redirectTo.slice(hashAt)
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&'
  return `${base}${separator}returnTo=${encodeURIComponent(returnTo)}${fragment}`
}
