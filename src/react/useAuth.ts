'use client'
import { useCallback } from 'react'
import type { AuthClient } from '../core/client'
import type { JwtClaims } from '../core/tokens'
import type { AuthState } from '../core/types'
import { getServerState, useAuthContext, type AuthActions } from './context'
import { useSelector } from './useSelector'

/** The session as `useAuth()` returns it: the client's snapshot, two derived flags and the actions. */
export interface UseAuthResult<TClaims extends JwtClaims = JwtClaims> extends AuthState<TClaims>, AuthActions {
  isAuthenticated: boolean
  /** True while the session is not known yet: reading storage, refreshing an expired token, or waiting for another tab. */
  isLoading: boolean
}

/** The type of `useAuth`, with or without a selector; `createAuthHooks` returns it typed for your claims. */
export interface UseAuth<TClaims extends JwtClaims = JwtClaims> {
  /** The whole session; the component re-renders whenever any of it changes. */
  (): UseAuthResult<TClaims>
  /** Only the selected slice; the component re-renders when it changes by `isEqual` (default `Object.is`). */
  <T>(selector: (auth: UseAuthResult<TClaims>) => T, isEqual?: (a: T, b: T) => boolean): T
}

const whole = (auth: UseAuthResult): UseAuthResult => auth

/**
 * The session from the nearest `<AuthProvider>`. With a selector, only that slice: a component
 * that selects `s => s.claims?.sub` does not re-render when a silent refresh swaps the token.
 * Typed claims: see `createAuthHooks`.
 */
export function useAuth(): UseAuthResult
export function useAuth<T>(selector: (auth: UseAuthResult) => T, isEqual?: (a: T, b: T) => boolean): T
export function useAuth(selector: (auth: UseAuthResult) => unknown = whole, isEqual?: (a: unknown, b: unknown) => boolean): unknown {
  const { actions, subscribe, getSnapshot } = useAuthContext('useAuth')
  const fromState = useCallback((state: AuthState) => selector(toResult(state, actions)), [selector, actions])
  return useSelector(subscribe, getSnapshot, getServerState, fromState, isEqual)
}

/** The client from the nearest `<AuthProvider>`, for code that needs more than the hooks give. */
export function useAuthClient(): AuthClient {
  return useAuthContext('useAuthClient').client
}

/** `fetch` with the session's Bearer token and one refresh-and-retry on 401; the same function for the client's life. */
export function useAuthFetch(): typeof fetch {
  return useAuthContext('useAuthFetch').actions.fetch
}

function toResult(state: AuthState, actions: AuthActions): UseAuthResult {
  return {
    ...state,
    isAuthenticated: state.status === 'authenticated',
    isLoading: state.status === 'initializing',
    ...actions,
  }
}
