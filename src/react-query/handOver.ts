import { notifyManager, type MutationCache, type Query, type QueryClient } from '@tanstack/react-query'
import { AuthError } from '../core/errors'

// Mutations still running when the cache changed hands: their answers belong to the user before.
const overtaken = new WeakSet<object>()

/**
 * Empties a QueryClient for the next user (or for nobody), in one batch so React renders once:
 * cancels every query in flight (its late answer is dropped), wipes every query's data, removes
 * the queries no component shows, and runs the mounted ones again under the session now held
 * (without one, `auth.fetch` fails them `unauthenticated` and sends nothing). Mounted queries keep
 * their Query object, so a component that reads nothing of the session still re-renders, with no
 * data. Mutations in flight are forgotten, and their answers refused (see `guardMutations`).
 */
export function handOver(queryClient: QueryClient): void {
  notifyManager.batch(() => {
    const mutations = queryClient.getMutationCache()
    for (const mutation of mutations.getAll()) if (mutation.state.status === 'pending') overtaken.add(mutation)
    mutations.clear()
    const queries = queryClient.getQueryCache()
    const mounted: Query[] = []
    for (const query of queries.getAll()) {
      void query.cancel({ silent: true })
      wipe(query)
      if (query.getObserversCount() > 0) mounted.push(query)
      else queries.remove(query)
    }
    for (const query of mounted) if (query.isActive()) void query.fetch().catch(() => {})
  })
}

/**
 * No data, and not the state the query was created with: an `initialData` function may have read
 * the previous user's cache. Passing through a state that is not pending first drops what an
 * observer shows as `placeholderData`: React Query keeps a placeholder through pending states,
 * and `keepPreviousData` would otherwise carry the previous user's page into the next one's query.
 * A wiped query also gives `keepPreviousData` nothing to carry later.
 */
function wipe(query: Query): void {
  const empty = { data: undefined, dataUpdatedAt: 0, error: null, errorUpdatedAt: 0, fetchFailureCount: 0, fetchFailureReason: null }
  query.setState({ ...empty, status: 'success', fetchStatus: 'idle', isInvalidated: false })
  query.setState({ status: 'pending' })
}

/**
 * Refuses the answer of a mutation that was in flight when the cache changed hands: it fails with
 * `session_changed` before any `onSuccess`, so its data reaches no callback and no cache entry.
 * Done in the MutationCache's own `onSuccess`, the one hook that runs before the mutation's.
 * Returns the function that puts the cache's config back.
 */
export function guardMutations(cache: MutationCache): () => void {
  const config = cache.config
  const guarded: MutationCache['config'] = {
    ...config,
    onSuccess: (...args) => {
      if (overtaken.has(args[3])) {
        throw new AuthError('session_changed', 'The session changed while the mutation ran; its answer was dropped.')
      }
      return config.onSuccess?.(...args)
    },
  }
  cache.config = guarded
  return () => {
    if (cache.config === guarded) cache.config = config
  }
}
