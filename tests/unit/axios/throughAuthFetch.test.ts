// axios's fetch adapter (`env.fetch`, axios ≥ 1.12) and ky (`fetch` option) sending through
// auth.fetch, over real sockets: what they add or change on the way must not break the one
// refresh, the one replay or the session_changed refusal.
import axios from 'axios'
import ky from 'ky'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { attachAxios } from '../../../src/axios'
import type { AuthClient } from '../../../src/core/client'
import { AuthError, isAuthError } from '../../../src/core/errors'
import { startNetwork, statusOf, type Network } from './network'

let net: Network
beforeEach(async () => {
  net = await startNetwork()
})
afterEach(() => net.close())

/** GET `path` through one client instance; a new instance per call of the factory. */
type Client = (path: string) => Promise<{ status: number; data: unknown }>

const neverRetryAuthErrors = { shouldRetry: ({ error }: { error: Error }) => (isAuthError(error) ? false : undefined) }

const transports: [string, (auth: AuthClient, baseURL: string) => Client][] = [
  [
    'axios, fetch adapter with env.fetch',
    (auth, baseURL) => {
      const instance = axios.create({ baseURL, adapter: 'fetch', env: { fetch: auth.fetch } })
      return (path) => instance.get(path)
    },
  ],
  [
    'ky with fetch: auth.fetch',
    (auth, prefix) => {
      const instance = ky.create({ prefix, fetch: auth.fetch, retry: neverRetryAuthErrors })
      return async (path) => {
        const response = await instance.get(path.slice(1))
        return { status: response.status, data: await response.json() }
      }
    },
  ],
]

describe.each(transports)('%s', (_name, create) => {
  it('10 parallel 401s through two instances: 1 refresh, each request replayed once, all succeed', async () => {
    const { auth, stale } = await net.staleSession()
    const clients = [create(auth, net.api), create(auth, net.api)]

    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => clients[i % 2]!('/api/todos')))

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200))
    expect(net.refreshRequests()).toHaveLength(1)
    expect(net.server.control.counters()).toMatchObject({ refreshes: 1, unauthorized: 10, reuseEvents: 0 })
    const fresh = auth.getSnapshot().accessToken
    expect(net.apiRequests()).toHaveLength(20)
    expect(net.apiRequests().filter((r) => r.token === stale)).toHaveLength(10)
    expect(net.apiRequests().filter((r) => r.token === fresh)).toHaveLength(10)
  })

  it('a second 401 after the replay goes to the caller: 2 requests, 1 refresh', async () => {
    const { auth } = await net.staleSession()
    net.intercept((request) =>
      new URL(request.url).pathname === '/api/me' ? Response.json({ error: 'invalid_token' }, { status: 401 }) : undefined,
    )
    const error = await create(auth, net.api)('/api/me').catch((caught: unknown) => caught)
    expect(statusOf(error)).toBe(401)
    expect(net.apiRequests()).toHaveLength(2)
    expect(net.refreshRequests()).toHaveLength(1)
  })

  it('sends no token to an origin that is not allowed', async () => {
    const { auth } = await net.staleSession()
    const error = await create(auth, net.other)('/api/me').catch((caught: unknown) => caught)
    expect(statusOf(error)).toBe(401)
    expect(net.seen).toEqual([{ origin: net.other, method: 'GET', path: '/api/me', token: null }])
  })

  it('a login that changed between the request and its replay: session_changed, nothing resent', async () => {
    const { auth } = await net.staleSession()
    const admin = await net.signIn('admin')
    net.intercept(() => void auth.login(admin))
    const error = await create(auth, net.api)('/api/me').catch((caught: unknown) => caught)
    // axios wraps what its fetch throws in an AxiosError that keeps the name and code (isAuthError
    // holds) with the AuthError as `cause`; ky hands the AuthError over as it is.
    expect(isAuthError(error) && error.code).toBe('session_changed')
    expect(net.apiRequests()).toHaveLength(1)
    expect(net.refreshRequests()).toHaveLength(0)
  })
})

describe('axios fetch adapter errors', () => {
  it('an AuthError arrives as an AxiosError with its code, and the AuthError as cause', async () => {
    const auth = net.createClient() // signed out
    const instance = axios.create({ baseURL: net.api, adapter: 'fetch', env: { fetch: auth.fetch } })
    const error = await instance.get('/api/me').catch((caught: unknown) => caught)
    expect(axios.isAxiosError(error)).toBe(true)
    expect(error).toMatchObject({ name: 'AuthError', code: 'unauthenticated' })
    expect((error as Error).cause).toBeInstanceOf(AuthError)
    expect(net.seen).toEqual([])
  })
})

describe('ky retries', () => {
  // ky 1 retried a GET on any error, a session_changed AuthError included, and so resent alice's
  // request under admin's login; the recipe's shouldRetry is for ky 1. ky 2 retries network errors only.
  it('ky 2 by default does not resend a session_changed request under the next login', async () => {
    const { auth } = await net.staleSession()
    const admin = await net.signIn('admin')
    net.intercept(() => void auth.login(admin))
    const defaults = ky.create({ prefix: net.api, fetch: auth.fetch, retry: { limit: 1, backoffLimit: 0 } })

    const error = await defaults.get('api/me').catch((caught: unknown) => caught)

    expect(error).toMatchObject({ name: 'AuthError', code: 'session_changed' })
    expect(net.apiRequests()).toHaveLength(1)
  })
})

describe('every client of the app on one refresh', () => {
  it('12 parallel 401s through attachAxios (node:http), axios fetch adapter, ky and auth.fetch: 1 refresh', async () => {
    const { auth } = await net.staleSession()
    const viaXhrAdapter = axios.create({ baseURL: net.api, adapter: 'http' })
    attachAxios(auth, viaXhrAdapter, { allowedOrigins: [net.api] })
    const viaFetchAdapter = axios.create({ baseURL: net.api, adapter: 'fetch', env: { fetch: auth.fetch } })
    const viaKy = ky.create({ prefix: net.api, fetch: auth.fetch, retry: neverRetryAuthErrors })
    const clients = [
      () => viaXhrAdapter.get('/api/todos').then((r) => r.status),
      () => viaFetchAdapter.get('/api/todos').then((r) => r.status),
      () => viaKy.get('api/todos').then((r) => r.status),
      () => auth.fetch(`${net.api}/api/todos`).then((r) => r.status),
    ]

    const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => clients[i % 4]!()))

    expect(statuses).toEqual(Array(12).fill(200))
    expect(net.refreshRequests()).toHaveLength(1)
    expect(net.apiRequests()).toHaveLength(24)
  })
})
