'use client'
import { createContext, useContext } from 'react'
import { UNKNOWN_STATE, type AuthClient } from '../core/client'
import { AuthError } from '../core/errors'
import type { JwtClaims, TokenPair } from '../core/tokens'
import type { AuthState } from '../core/types'

/** The client's actions as plain functions: safe to pass around (`onClick={logout}`) and to list in deps. */
export interface AuthActions {
  login(tokens: TokenPair): void
  logout(options?: { everywhere?: boolean }): Promise<void>
  /** Refreshes now (one request shared by concurrent callers); rejects with an `AuthError`. */
  refresh(options?: { staleToken?: string }): Promise<string>
  fetch: typeof fetch
  /** The login request's fetch: with `dpop`, signed with the key the session will be bound to. */
  loginFetch: typeof fetch
  /** With `dpop`, pass the request: its proof names the method and URL. */
  getAuthHeaders(request?: { method: string; url: string | URL }): Promise<Record<string, string>>
  /** Hasura's active role for this login in every tab (needs `role: hasuraRole()`); null for the default role. */
  setRole(role: string | null): void
}

export interface AuthContextValue {
  client: AuthClient<JwtClaims>
  actions: AuthActions
  // Bound for the same reason as the actions: a client written by hand may rely on `this`.
  subscribe: (onChange: () => void) => () => void
  getSnapshot: () => AuthState<JwtClaims>
}

export const AuthContext = createContext<AuthContextValue | null>(null)
AuthContext.displayName = 'AuthContext'

/**
 * What React renders on the server and during hydration. The server has no sessionStorage, so it
 * can only say "not known yet"; using the same constant on both sides keeps hydration exact.
 */
export const SERVER_STATE = UNKNOWN_STATE

export const getServerState = () => SERVER_STATE

/** Bound once per client, so every consumer gets the same function objects for the client's life. */
export function bindClient(client: AuthClient<JwtClaims>): AuthContextValue {
  return {
    client,
    actions: bindActions(client),
    subscribe: (onChange) => client.subscribe(onChange),
    getSnapshot: () => client.getSnapshot(),
  }
}

function bindActions(client: AuthClient<JwtClaims>): AuthActions {
  return {
    login: (tokens) => client.login(tokens),
    // Pick the option rather than forwarding the argument: `onClick={logout}` passes a click event.
    logout: (options) => client.logout({ everywhere: options?.everywhere === true }),
    refresh: (options) => client.refresh(typeof options?.staleToken === 'string' ? { staleToken: options.staleToken } : undefined),
    fetch: (input, init) => client.fetch(input, init),
    loginFetch: (input, init) => client.loginFetch(input, init),
    getAuthHeaders: (request) => client.getAuthHeaders(request),
    setRole: (role) => client.setRole(role),
  }
}

export function useAuthContext(hook: string): AuthContextValue {
  const value = useContext(AuthContext)
  if (value === null) throw missingProvider(hook)
  return value
}

/** The error of a hook used outside `<AuthProvider>`, naming the hook and the fix. */
export function missingProvider(hook: string): AuthError {
  return new AuthError(
    'no_provider',
    `${hook}() was called outside <AuthProvider>. Wrap your app in <AuthProvider client={auth}> ` +
      '(or <AuthProvider refresh={…}>) above every component that uses the session.',
  )
}
