'use client'
import { useEffect, useInsertionEffect, useMemo, useState, type ReactNode } from 'react'
import { createAuthClient, type AuthClient } from '../core/client'
import type { JwtClaims } from '../core/tokens'
import type { AuthClientOptions } from '../core/options'
import { AuthContext, bindClient } from './context'

type NoOptions = { [K in keyof AuthClientOptions]?: never }

/**
 * Either a client made with `createAuthClient` (share it with code outside React, e.g. a query
 * client) or the client options themselves. Not both: options next to a client would be ignored.
 */
export type AuthProviderProps<TClaims extends JwtClaims = JwtClaims> = { children?: ReactNode } & (
  ({ client: AuthClient<TClaims> } & NoOptions) | (AuthClientOptions<TClaims> & { client?: never })
)

/**
 * Makes the session available to `useAuth` & co. and keeps the client running while mounted.
 *
 * Given options, the client is created once, on the first render. Later changes to
 * `storageKey`, `storage`, the timings, `channel`, `locks`, … are ignored (remount the provider
 * with a new `key` to start over); only the callbacks `refresh`, `revoke` and `onEvent` always
 * call the latest prop, so inline functions that close over props or state stay current.
 */
export function AuthProvider<TClaims extends JwtClaims = JwtClaims>(props: AuthProviderProps<TClaims>) {
  const { children, client: given, ...options } = props
  // A useState initializer, not useMemo: React may drop a memo, never state. Creating a client has
  // no side effects (nothing starts before `start()`), so StrictMode's extra call is harmless.
  const [owned] = useState(() => (given ? null : createOwnedClient(options as AuthClientOptions<TClaims>)))
  useInsertionEffect(() => {
    owned?.setCallbacks(options)
  })
  const client = (given ?? owned?.client) as AuthClient<JwtClaims> | undefined
  if (!client) {
    throw new TypeError('<AuthProvider> cannot drop its `client` prop for options; remount it with a new `key` instead.')
  }

  // Ref-counted in the client: StrictMode's mount → unmount → mount keeps one set of timers and listeners.
  useEffect(() => {
    client.start()
    return () => client.stop()
  }, [client])

  const value = useMemo(() => bindClient(client), [client])
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}

type Callbacks<TClaims extends JwtClaims> = Pick<Partial<AuthClientOptions<TClaims>>, 'refresh' | 'revoke' | 'onEvent'>

function createOwnedClient<TClaims extends JwtClaims>(initial: AuthClientOptions<TClaims>) {
  if (typeof initial.refresh !== 'function') {
    throw new TypeError('<AuthProvider> needs either a `client` or a `refresh` function that exchanges the refresh token.')
  }
  let latest: Callbacks<TClaims> = initial
  const client = createAuthClient<TClaims>({
    ...initial,
    refresh: (context) => (latest.refresh ?? initial.refresh)(context),
    // Always present, so a `revoke` prop added after the first render is still called.
    revoke: async (context) => latest.revoke?.(context),
    onEvent: (event) => latest.onEvent?.(event),
  })
  return {
    client,
    setCallbacks(next: Callbacks<TClaims>) {
      latest = next
    },
  }
}
