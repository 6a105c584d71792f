import type { DefaultOptions, QueryClient } from '@tanstack/react-query'
import type { AuthClient } from '../core/client'
import type { JwtClaims } from '../core/tokens'
import type { AuthState } from '../core/types'
import { getHasuraUserId } from '../core/hasura'
import { guardMutations, handOver } from './handOver'
import { createQueryFn } from './queryFn'
import { shouldRetry } from './retry'

/** Options of `bindQueryClient`. */
export interface BindQueryClientOptions {
  /**
   * Also make `createQueryFn(auth)` the default `queryFn` and `shouldRetry` the default `retry`,
   * where the QueryClient has none of its own. Restored on unbind. Call before the first render
   * that uses a query, or pass them to `new QueryClient({ defaultOptions })` yourself.
   */
  defaults?: boolean
  /** For the default queryFn: prefixed to relative paths. */
  baseUrl?: string
  /**
   * Names the user of a session, so a refresh keeps the cache and a new user clears it. Default:
   * the `sub` claim, else Hasura's `x-hasura-user-id`. When it yields nothing (`undefined` or
   * `null`), every new login counts as a new user. Pass a stable function.
   */
  userKey?: (claims: JwtClaims) => unknown
}

type AuthSource = Pick<AuthClient, 'getSnapshot' | 'subscribe' | 'fetch'>

// Who the cache was last filled for, per QueryClient: it outlives one binding, so a binding made
// after a remount still notices a logout that happened while nothing was bound.
const cacheOwner = new WeakMap<QueryClient, { user: unknown } | null>()

/**
 * Keeps a QueryClient's cache to one user: when the session ends (in this tab or another), another
 * user logs in, or a session starts, synchronously inside the auth state change it cancels every
 * query in flight (late answers are dropped), drops all data, and runs the mounted queries again
 * under the session now held (`handOver`), so no render shows the previous user's data, even in a
 * component that reads nothing of the session. Mutations in flight then fail `session_changed`.
 * A refresh for the same user changes nothing. Returns the unbind function.
 */
export function bindQueryClient(auth: AuthSource, queryClient: QueryClient, options: BindQueryClientOptions = {}): () => void {
  const userKey = options.userKey ?? defaultUserKey

  function check(): void {
    const owner = ownerOf(auth.getSnapshot(), userKey)
    if (owner === undefined) return // still initializing: nothing is known yet
    const previous = cacheOwner.get(queryClient)
    cacheOwner.set(queryClient, owner)
    // Also from nobody to someone: queries that failed `unauthenticated` run again under the login.
    if (previous !== undefined && !sameOwner(previous, owner)) handOver(queryClient)
  }

  const restoreDefaults = options.defaults ? setDefaults(auth, queryClient, options.baseUrl) : null
  const unguard = guardMutations(queryClient.getMutationCache())
  check()
  const unsubscribe = auth.subscribe(check)
  return () => {
    unsubscribe()
    unguard()
    restoreDefaults?.()
  }
}

function sameOwner(a: { user: unknown } | null, b: { user: unknown } | null): boolean {
  return a === b || (a !== null && b !== null && Object.is(a.user, b.user))
}

function ownerOf(state: AuthState, userKey: (claims: JwtClaims) => unknown): { user: unknown } | null | undefined {
  if (state.status === 'unauthenticated') return null
  if (state.status !== 'authenticated') return undefined
  // No user id in the token: the login itself is all that tells one user from the next.
  return { user: (state.claims && userKey(state.claims)) ?? `session:${state.sessionId}` }
}

function defaultUserKey(claims: JwtClaims): unknown {
  return claims.sub ?? getHasuraUserId(claims)
}

function setDefaults(auth: AuthSource, queryClient: QueryClient, baseUrl: string | undefined): () => void {
  const previous = queryClient.getDefaultOptions()
  const queries = previous.queries ?? {}
  const ours: DefaultOptions = {
    ...previous,
    queries: {
      ...queries,
      queryFn: queries.queryFn ?? createQueryFn(auth, { baseUrl }),
      retry: queries.retry ?? shouldRetry,
    },
  }
  queryClient.setDefaultOptions(ours)
  return () => {
    // Someone else set new defaults since: theirs stay.
    if (queryClient.getDefaultOptions() === ours) queryClient.setDefaultOptions(previous)
  }
}
