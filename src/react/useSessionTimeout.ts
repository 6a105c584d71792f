'use client'
import { useCallback, useSyncExternalStore } from 'react'
import type { SessionExpiring } from '../core/types'
import { useAuthContext } from './context'
import { useAuth } from './useAuth'

/** What `useSessionTimeout()` returns. */
export interface UseSessionTimeoutResult {
  /** The limit about to end the session and the ms left, in whole seconds; null when no warning is due. */
  expiring: (SessionExpiring & { remaining: number }) | null
  /** Keeps the session alive in every tab (not past `maxSessionAge`). */
  extend(): void
  logout(): Promise<void>
}

const selectExpiring = (auth: { expiring: SessionExpiring | null }) => auth.expiring

const everySecond = (onTick: () => void) => {
  const timer = setInterval(onTick, 1000)
  return () => clearInterval(timer)
}
const never = () => () => {}

/**
 * The warning of `sessionTimeout` for a dialog: `expiring` appears `warnBefore` ms before the
 * limit, and its `remaining` counts down once a second, re-rendering only the component that
 * uses this hook.
 */
export function useSessionTimeout(): UseSessionTimeoutResult {
  const { client, actions } = useAuthContext('useSessionTimeout')
  const expiring = useAuth(selectExpiring)
  // The clock is read as an external store, rounded up to whole seconds so it changes once a second.
  const remaining = useSyncExternalStore(
    expiring ? everySecond : never,
    () => (expiring ? Math.max(0, Math.ceil((expiring.at - Date.now()) / 1000) * 1000) : 0),
    () => 0,
  )
  const extend = useCallback(() => client.extend(), [client])
  return { expiring: expiring && { ...expiring, remaining }, extend, logout: actions.logout }
}
