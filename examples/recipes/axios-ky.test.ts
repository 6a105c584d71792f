// The axios and ky recipe (docs/recipes.md) against the reference server: three HTTP clients
// (axios's fetch adapter, axios's XHR adapter with attachAxios, ky) and one refresh between them.
import { act } from '@testing-library/react'
import { http } from 'msw'
import { setupServer } from 'msw/node'
import { isAuthError } from 'jwt-tab-session'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest'
import { stubNetwork } from './support/network'
import { auth } from './axios-ky/auth'
import { api, kyApi, uploads } from './axios-ky/http'

let network: ReturnType<typeof stubNetwork>
// XHR never calls fetch: MSW hands jsdom's XHR requests to the same in-process server.
const xhr = setupServer(http.all('*', ({ request }) => network.fetch(request)))
beforeAll(() => xhr.listen({ onUnhandledRequest: 'error' }))
afterAll(() => xhr.close())

beforeEach(async () => {
  network = stubNetwork()
  // As in a browser, a Request made from a relative URL resolves against the page (Node's does not).
  vi.stubGlobal(
    'Request',
    class extends Request {
      constructor(input: RequestInfo | URL, init?: RequestInit) {
        super(typeof input === 'string' ? new URL(input, location.href) : input, init)
      }
    },
  )
  auth.start()
  auth.login(await network.signIn('alice'))
})
afterEach(async () => {
  await act(() => auth.logout())
  auth.stop()
})

const apiRequests = () => network.seen.filter((r) => new URL(r.url).pathname.startsWith('/api/'))
const refreshes = () => network.server.control.counters().refreshes

it('sends the Bearer through each of the three clients', async () => {
  const bearer = `Bearer ${auth.getSnapshot().accessToken}`
  expect((await api.get('/me')).data).toMatchObject({ name: 'Alice' })
  expect((await uploads.get('/me')).data).toMatchObject({ name: 'Alice' })
  expect(await kyApi.get('me').json()).toMatchObject({ name: 'Alice' })
  expect(apiRequests().map((r) => r.authorization)).toEqual([bearer, bearer, bearer])
})

it('ten parallel requests refused with 401 across the three clients: one refresh, each replayed once', async () => {
  network.server.control.revokeAccessToken(auth.getSnapshot().accessToken!)
  const before = refreshes()
  const clients = [() => api.get('/todos'), () => uploads.get('/todos'), () => kyApi.get('todos')]
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => clients[i % 3]!()))
  expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200))
  expect(refreshes() - before).toBe(1)
  expect(apiRequests()).toHaveLength(20)
})

it('ky does not resend a request whose login changed: the caller gets session_changed', async () => {
  network.server.control.revokeAccessToken(auth.getSnapshot().accessToken!)
  const admin = await network.signIn('admin')
  const serve = network.fetch.getMockImplementation()!
  network.fetch.mockImplementationOnce(async (input, init) => {
    auth.login(admin) // another user signs in while alice's request is at the server
    return serve(input, init)
  })
  const error = await kyApi.get('me').catch((caught: unknown) => caught)
  expect(isAuthError(error) && error.code).toBe('session_changed')
  expect(apiRequests()).toHaveLength(1)
})
