'use client'
import { AuthError } from '../core/errors'
import type { AuthClient } from '../core/client'
import type { AuthState } from '../core/types'
import { useAuthContext } from './context'
import { useAuth, type UseAuthResult } from './useAuth'

// One promise per client, so every suspended render waits on the same one (React requires a
// stable promise); the status never returns to `initializing`, so it never needs replacing.
const readiness = new WeakMap<AuthClient, Promise<AuthState>>()

/**
 * `useAuth` for Suspense: suspends while the session is not known yet (a new tab asking the
 * others, an expired token being refreshed), so the nearest `<Suspense>` shows its fallback and the
 * component never sees `initializing`. On the server, where the session cannot be known, it throws
 * so React renders the fallback there and the component in the browser.
 */
export function useSuspenseAuth(): UseAuthResult
export function useSuspenseAuth<T>(selector: (auth: UseAuthResult) => T, isEqual?: (a: T, b: T) => boolean): T
export function useSuspenseAuth(selector?: (auth: UseAuthResult) => unknown, isEqual?: (a: unknown, b: unknown) => boolean): unknown {
  const { client } = useAuthContext('useSuspenseAuth')
  const status = useAuth(selectStatus)
  if (status === 'initializing') {
    if (typeof window === 'undefined') {
      throw new AuthError('unauthenticated', 'The session is known only in the browser: the Suspense fallback renders on the server.')
    }
    let ready = readiness.get(client)
    if (!ready) readiness.set(client, (ready = client.ready()))
    throw ready
  }
  return useAuth(selector ?? whole, isEqual)
}

const selectStatus = (auth: UseAuthResult) => auth.status
const whole = (auth: UseAuthResult) => auth
