'use client'
import { useQueryClient, type QueryClient } from '@tanstack/react-query'
import { useContext, useEffect } from 'react'
import type { AuthClient } from '../core/client'
import { AuthContext, missingProvider } from '../react/context'
import { bindQueryClient, type BindQueryClientOptions } from './bindQueryClient'

/**
 * `bindQueryClient` for the lifetime of a component: clears the cache on logout and user switch.
 * `auth` defaults to the client of the nearest `<AuthProvider>`, `queryClient` to the one from
 * `<QueryClientProvider>`. Set the default queryFn when creating the QueryClient (see
 * `createQueryFn`): an effect runs after the first queries start.
 */
export function useBindQueryClient(
  auth?: Pick<AuthClient, 'getSnapshot' | 'subscribe' | 'fetch'>,
  queryClient?: QueryClient,
  options: Pick<BindQueryClientOptions, 'userKey'> = {},
): void {
  const provided = useContext(AuthContext)
  const client = useQueryClient(queryClient)
  const source = auth ?? provided?.client
  if (!source) throw missingProvider('useBindQueryClient')
  const { userKey } = options
  useEffect(() => bindQueryClient(source, client, { userKey }), [source, client, userKey])
}
