'use client'
import type { ReactNode } from 'react'
import type { AuthClient } from '../core/client'
import type { JwtClaims } from '../core/tokens'
import { RequireAuth, type RequireAuthProps } from './RequireAuth'
import { useAuth, useAuthClient, useAuthFetch, type UseAuth } from './useAuth'
import { useRequireAuth, type UseRequireAuthOptions, type UseRequireAuthResult } from './useRequireAuth'
import { useSuspenseAuth } from './useSuspenseAuth'

/** The hooks and guard of this library, typed for your claims; see `createAuthHooks`. */
export interface AuthHooks<TClaims extends JwtClaims> {
  useAuth: UseAuth<TClaims>
  /** `useAuth` that suspends until the session is known (see `useSuspenseAuth`). */
  useSuspenseAuth: UseAuth<TClaims>
  useAuthClient: () => AuthClient<TClaims>
  useAuthFetch: () => typeof fetch
  useRequireAuth: (options?: UseRequireAuthOptions<TClaims>) => UseRequireAuthResult<TClaims>
  RequireAuth: (props: RequireAuthProps<TClaims>) => ReactNode
}

/**
 * The hooks typed for your claims. A hook cannot see the generic of the client its provider holds,
 * so the claims type is stated once, here, instead of as a cast at every call site:
 *
 *   export const { useAuth, useRequireAuth, RequireAuth } = createAuthHooks<MyClaims>()
 *
 * Nothing is created: these are the same hooks as the untyped exports, read from the same provider.
 */
export function createAuthHooks<TClaims extends JwtClaims>(): AuthHooks<TClaims> {
  return { useAuth, useSuspenseAuth, useAuthClient, useAuthFetch, useRequireAuth, RequireAuth } as AuthHooks<TClaims>
}
