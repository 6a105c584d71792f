'use client'
import type { ReactNode } from 'react'
import type { JwtClaims } from '../core/tokens'
import type { LogoutReason } from '../core/types'
import { useRequireAuth, type UseRequireAuthOptions } from './useRequireAuth'

/** Props of `<RequireAuth>`: the guard options plus what to render in each state. */
export interface RequireAuthProps<TClaims extends JwtClaims = JwtClaims> extends UseRequireAuthOptions<TClaims> {
  children?: ReactNode
  /**
   * Shown while the session is not known yet, and while the redirect to sign-in happens. Default:
   * nothing. A function gets `reason`: how the session ended here (null while loading, or when
   * there was none), to say "you signed out in another tab".
   */
  fallback?: ReactNode | ((context: { reason: LogoutReason | null }) => ReactNode)
  /** Shown when `authorize` returns false. Default: nothing. */
  forbidden?: ReactNode
}

/** Renders `children` only for a signed-in, authorized visitor; see `useRequireAuth` for the rules. */
export function RequireAuth({ children, fallback = null, forbidden = null, ...options }: RequireAuthProps) {
  const guard = useRequireAuth(options)
  if (guard.status === 'authenticated') return children
  if (guard.status === 'forbidden') return forbidden
  if (typeof fallback !== 'function') return fallback
  return fallback({ reason: guard.status === 'unauthenticated' ? guard.reason : null })
}
