// urql.ts — urql 5: queries over HTTP through auth.fetch, subscriptions over WebSocket
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql'
import { createClient } from 'graphql-ws'
import { auth, HASURA } from './auth'

const ws = createClient({
  url: HASURA.replace(/^http/, 'ws'),
  connectionParams: async () => ({ headers: await auth.getAuthHeaders() }),
  shouldRetry: () => true,
})

export const urql = new Client({
  url: HASURA,
  fetch: auth.fetch,
  preferGetMethod: false, // urql 5 sends queries as GET by default; Hasura and the reference server take POST
  exchanges: [
    cacheExchange,
    fetchExchange,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
      }),
    }),
  ],
})
