// The Hasura recipes (docs/recipes.md): the auth client, Apollo Client and urql, against the
// reference server's Hasura look-alike, which answers an unusable JWT with HTTP 200 + invalid-jwt.
// The API is on another origin than the app, for real: the server over HTTP with CORS for the
// page's origin, every request through jsdom's XMLHttpRequest, which enforces CORS.
import { gql } from '@apollo/client'
import { act } from '@testing-library/react'
import { createBrowserFetch } from 'jwt-tab-session/testing/server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { serveCrossOrigin } from './support/network'
import { auth, HASURA } from './hasura/auth'
import { apollo } from './hasura/apollo'
import { urql } from './hasura/urql'

const ME = 'query Me { me { id name } }'
const TODOS = 'query Todos { todos { id title } }'
const REFRESH = 'mutation ($refreshToken: String!) { refreshJwtToken(refreshToken: $refreshToken) { jwt refreshToken } }'

let network: Awaited<ReturnType<typeof serveCrossOrigin>>
afterEach(async () => {
  await act(() => auth.logout())
  auth.stop()
  await apollo.clearStore()
  await network.close()
})

/** Sends the refresh mutation with `refreshToken` from the page, as the client's refresh does. */
const refreshWith = async (refreshToken: string) =>
  (await (
    await fetch(HASURA, {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: REFRESH, variables: { refreshToken } }),
    })
  ).json()) as { data?: unknown; errors?: { extensions: { code: string } }[] }

describe('the API on another origin', () => {
  it('answers the page only when the server lists its origin (corsOrigins): the browser refuses the rest', async () => {
    network = await serveCrossOrigin({ corsOrigins: ['https://elsewhere.example'] })
    const query = () =>
      fetch(HASURA, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ME }) })
    await expect(query()).rejects.toThrow(TypeError)
    await network.close()
    network = await serveCrossOrigin()
    expect(await (await query()).json()).toMatchObject({ errors: [{ extensions: { code: 'invalid-jwt' } }] })
  })
})

describe('signed in', () => {
  let signedIn: { accessToken: string; refreshToken: string }
  beforeEach(async () => {
    network = await serveCrossOrigin()
    auth.start()
    signedIn = await network.signIn('alice')
    auth.login(signedIn)
  })

  /** Makes the server refuse the current access token, as after a key rotation or a revocation. */
  const revokeAccessToken = () => network.server.control.revokeAccessToken(auth.getSnapshot().accessToken!)
  const refreshes = () => network.server.control.counters().refreshes

  describe.each([
    ['Apollo Client', (text = ME) => apollo.query({ query: gql(text), fetchPolicy: 'network-only' }).then((r) => r.data)],
    [
      'urql',
      (text = ME) =>
        urql
          .query(text, {}, { requestPolicy: 'network-only' })
          .toPromise()
          .then((r) => r.data),
    ],
  ])('%s', (_name, query: (text?: string) => Promise<unknown>) => {
    it('gets the data with the Bearer, as a POST to the cross-origin Hasura URL', async () => {
      expect(await query()).toMatchObject({ me: { id: 'user-alice', name: 'Alice' } })
      const [request] = network.graphqlRequests()
      expect(request?.method).toBe('POST')
      expect(request?.authorization).toBe(`Bearer ${auth.getSnapshot().accessToken}`)
    })

    it('answers invalid-jwt with exactly one refresh and the data, never the error', async () => {
      revokeAccessToken()
      const before = refreshes()
      expect(await query()).toMatchObject({ me: { name: 'Alice' } })
      expect(refreshes() - before).toBe(1)
    })

    it('makes one refresh for two parallel queries that both get invalid-jwt', async () => {
      revokeAccessToken()
      const before = refreshes()
      const [me, todos] = await Promise.all([query(ME), query(TODOS)])
      expect(me).toMatchObject({ me: { name: 'Alice' } })
      expect(todos).toMatchObject({ todos: expect.any(Array) })
      expect(refreshes() - before).toBe(1)
      // each query went out twice, with the Bearer: refused once, replayed once with the new token
      expect(network.graphqlRequests().filter((r) => r.authorization !== null)).toHaveLength(4)
    })
  })

  it('revokes at the server on logout: the refresh token is refused afterwards', async () => {
    const before = network.server.control.counters().revocations
    await act(() => auth.logout())
    expect(network.server.control.counters().revocations - before).toBe(1)
    expect(await refreshWith(signedIn.refreshToken)).toMatchObject({ errors: [{ extensions: { code: 'invalid_grant' } }] })
  })

  it('ends every session of the user, on every device, on logout({ everywhere: true })', async () => {
    const phone = createBrowserFetch(network.server.handler)
    const onPhone = await (
      await phone('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
      })
    ).json()
    await act(() => auth.logout({ everywhere: true }))
    const refreshOnPhone = await phone('/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: (onPhone as { refreshToken: string }).refreshToken }),
    })
    expect(refreshOnPhone.status).toBe(401)
  })
})
