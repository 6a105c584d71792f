'use client'
import type { ReactNode } from 'react'
import type { JwtClaims } from '../core/tokens'
import { useRequireAuth, type UseRequireAuthOptions } from './useRequireAuth'

/** Props of `<RequireAuth>`: the guard options plus what to render in each state. */
export interface RequireAuthProps<TClaims extends JwtClaims = JwtClaims> extends UseRequireAuthOptions<TClaims> {
  children?: ReactNode
  /** Shown while the session is not known yet, and while the redirect to sign-in happens. Default: nothing. */
  fallback?: ReactNode
  /** Shown when `authorize` returns false. Default: nothing. */
  forbidden?: ReactNode
}

/** Renders `children` only for a signed-in, authorized visitor; see `useRequireAuth` for the rules. */
export function RequireAuth({ children, fallback = null, forbidden = null, ...options }: RequireAuthProps) {
  const { status } = useRequireAuth(options)
  if (status === 'authenticated') return children
  if (status === 'forbidden') return forbidden
  return fallback
}
