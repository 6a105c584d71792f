'use client'
import { useQueryClient, type QueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import type { AuthClient } from '../core/client'
import { bindQueryClient, type BindQueryClientOptions } from './bindQueryClient'

/**
 * `bindQueryClient` for the lifetime of a component: clears the cache on logout and user switch.
 * `queryClient` defaults to the one from `<QueryClientProvider>`. Set the default queryFn when
 * creating the QueryClient (see `createQueryFn`): an effect runs after the first queries start.
 */
export function useBindQueryClient(
  auth: Pick<AuthClient, 'getSnapshot' | 'subscribe' | 'fetch'>,
  queryClient?: QueryClient,
  options: Pick<BindQueryClientOptions, 'userKey'> = {},
): void {
  const client = useQueryClient(queryClient)
  const { userKey } = options
  useEffect(() => bindQueryClient(auth, client, { userKey }), [auth, client, userKey])
}
