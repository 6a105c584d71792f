import type { JwtClaims, Session } from './tokens'
import type { AuthState } from './types'

/** The fields a session shows in the state. */
export function sessionFields<TClaims extends JwtClaims>({ accessToken, claims, expiresAt, family }: Session<TClaims>) {
  return { status: 'authenticated', accessToken, claims, expiresAt, sessionId: family } as const
}

/** The state's fields without a session. */
export const SIGNED_OUT = {
  status: 'unauthenticated',
  accessToken: null,
  claims: null,
  expiresAt: null,
  tokenExpired: false,
  sessionId: null,
  expiring: null,
} as const

/** The state before the session is known; also what React renders on the server. */
export const UNKNOWN_STATE: AuthState<never> = Object.freeze({
  ...SIGNED_OUT,
  status: 'initializing',
  ended: null,
  role: null,
  error: null,
})

/**
 * One immutable snapshot and its listeners (React's `useSyncExternalStore`): a new object, and a
 * call to every listener, only when a field changes.
 */
export function createStateCell<TClaims extends JwtClaims>() {
  let state: AuthState<TClaims> = UNKNOWN_STATE
  const listeners = new Set<() => void>()
  return {
    get state(): AuthState<TClaims> {
      return state
    },
    patch(fields: Partial<AuthState<TClaims>>): void {
      const next = { ...state, ...fields }
      if ((Object.keys(next) as (keyof AuthState)[]).every((k) => next[k] === state[k])) return
      state = next
      listeners.forEach((listener) => listener())
    },
    subscribe(listener: () => void): () => void {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
  }
}

export type StateCell<TClaims extends JwtClaims> = ReturnType<typeof createStateCell<TClaims>>
