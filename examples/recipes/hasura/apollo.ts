// apollo.ts — Apollo Client 4: queries over HTTP through auth.fetch, subscriptions over WebSocket
import { ApolloClient, HttpLink, InMemoryCache, split } from '@apollo/client'
import { GraphQLWsLink } from '@apollo/client/link/subscriptions'
import { getMainDefinition } from '@apollo/client/utilities'
import { createClient } from 'graphql-ws'
import { auth, HASURA } from './auth'

const httpLink = new HttpLink({ uri: HASURA, fetch: auth.fetch })
const wsLink = new GraphQLWsLink(
  createClient({
    url: HASURA.replace(/^http/, 'ws'),
    connectionParams: async () => ({ headers: await auth.getAuthHeaders() }), // read on every (re)connect
    shouldRetry: () => true, // Hasura closes a socket whose JWT expired; the reconnect sends the new token
  }),
)
const link = split(
  ({ query }) => {
    const definition = getMainDefinition(query)
    return definition.kind === 'OperationDefinition' && definition.operation === 'subscription'
  },
  wsLink,
  httpLink,
)

export const apollo = new ApolloClient({ link, cache: new InMemoryCache() })
