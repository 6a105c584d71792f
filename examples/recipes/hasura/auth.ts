// auth.ts — Hasura, as in "The Ultimate Guide to handling JWTs on frontend clients"
import { createAuthClient, graphqlRefresh, graphqlRevoke, hasuraRole } from 'jwt-tab-session'

export const HASURA = 'https://my-app.hasura.app/v1/graphql'

export const auth = createAuthClient({
  refresh: graphqlRefresh({ url: HASURA }), // refreshJwtToken(refreshToken, fingerprintHash) { jwt refreshToken }
  revoke: graphqlRevoke({
    url: HASURA, // a logout action; $everywhere is true for auth.logout({ everywhere: true })
    mutation:
      'mutation ($refreshToken: String!, $everywhere: Boolean) { logout(refreshToken: $refreshToken, everywhere: $everywhere) { ok } }',
  }),
  allowedOrigins: ['https://my-app.hasura.app'], // another origin than the page's: without this, no Bearer is sent
  graphqlErrors: true, // Hasura answers an expired JWT with HTTP 200 + invalid-jwt: refresh and replay once
  role: hasuraRole(), // auth.setRole('editor'): x-hasura-role on every request, in every tab
})
