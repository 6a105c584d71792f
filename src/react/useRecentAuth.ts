'use client'
import { useCallback, useSyncExternalStore } from 'react'
import { deadline, defaultTimers } from '../core/scheduler'
import type { AuthState } from '../core/types'
import { useAuth } from './useAuth'

/**
 * When the user signed in, on this tab's clock: the token's `auth_time` (seconds, server clock),
 * moved by the same skew as `expiresAt`. Null without a session or without `auth_time`.
 */
function signedInAt({ claims, expiresAt }: Pick<AuthState, 'claims' | 'expiresAt'>): number | null {
  const authTime = claims?.auth_time
  if (typeof authTime !== 'number' || !Number.isFinite(authTime) || expiresAt === null) return null
  return authTime * 1000 - (claims!.exp * 1000 - expiresAt)
}

const selectSignedInAt = (auth: AuthState) => signedInAt(auth)

/**
 * Whether the user signed in less than `maxAgeMs` ago (the token's `auth_time`): show the
 * sensitive page, or send the user through a fresh sign-in first instead of waiting for the API
 * to answer `step_up_required`. Turns false by itself when the time passes. False without a
 * session or when the token has no `auth_time`.
 */
export function useRecentAuth(maxAgeMs: number): boolean {
  const since = useAuth(selectSignedInAt)
  const until = since === null ? null : since + maxAgeMs
  // Wakes the component once, when the sign-in stops being recent: in steps against the clock,
  // since a limit of weeks is past setTimeout's range.
  const subscribe = useCallback(
    (onChange: () => void) => (until === null ? () => {} : deadline(defaultTimers, Date.now, until, onChange)),
    [until],
  )
  return useSyncExternalStore(
    subscribe,
    () => until !== null && Date.now() < until,
    () => false,
  )
}
