// The Hasura recipes (docs/recipes.md): the auth client, Apollo Client and urql, against the
// reference server's Hasura look-alike, which answers an unusable JWT with HTTP 200 + invalid-jwt.
import { gql } from '@apollo/client'
import { act } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { stubNetwork } from './support/network'
import { auth } from './hasura/auth'
import { apollo } from './hasura/apollo'
import { urql } from './hasura/urql'

const ME = 'query Me { me { id name } }'
const TODOS = 'query Todos { todos { id title } }'

let network: ReturnType<typeof stubNetwork>
beforeEach(async () => {
  network = stubNetwork()
  auth.start()
  auth.login(await network.signIn('alice'))
})
afterEach(async () => {
  await act(() => auth.logout())
  auth.stop()
  await apollo.clearStore()
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
