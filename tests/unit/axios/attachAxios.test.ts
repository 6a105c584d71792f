// attachAxios on axios's own adapters, over real sockets: XHR (jsdom's, as in a page that wants
// upload progress) and node:http. Neither passes through auth.fetch: the interceptors do it all.
import axios, { type AxiosInstance } from 'axios'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { attachAxios } from '../../../src/axios'
import { createAuthClient } from '../../../src/core/client'
import { isAuthError } from '../../../src/core/errors'
import { HASURA_NAMESPACE } from '../../../src/core/hasura'
import { hasuraRole } from '../../../src/parts/hasuraRole'
import { createTestJwt } from '../../../src/testing/jwt'
import { startNetwork, statusOf, type Network } from './network'

let net: Network
beforeEach(async () => {
  net = await startNetwork()
})
afterEach(() => net.close())

const xhr = (baseURL: string) => axios.create({ baseURL, adapter: 'xhr' })
const http = (baseURL: string) => axios.create({ baseURL, adapter: 'http' })

describe('attachAxios', () => {
  it('10 parallel 401s through two instances (XHR and node:http): 1 refresh, each request replayed once, all succeed', async () => {
    const { auth, stale } = await net.staleSession()
    const instances = [xhr(net.api), http(net.api)]
    instances.forEach((instance) => attachAxios(auth, instance, { allowedOrigins: [net.api] }))

    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => instances[i % 2]!.get<unknown[]>('/api/todos')))

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200))
    expect(net.refreshRequests()).toHaveLength(1)
    expect(net.server.control.counters()).toMatchObject({ refreshes: 1, unauthorized: 10, reuseEvents: 0 })
    const fresh = auth.getSnapshot().accessToken
    expect(fresh).not.toBe(stale)
    const sent = net.apiRequests()
    expect(sent).toHaveLength(20)
    expect(sent.filter((r) => r.token === stale)).toHaveLength(10)
    expect(sent.filter((r) => r.token === fresh)).toHaveLength(10)
  })

  it('replays a POST with its body', async () => {
    const { auth } = await net.staleSession()
    const api = xhr(net.api)
    attachAxios(auth, api, { allowedOrigins: [net.api] })
    const { status, data } = await api.post<{ title: string }>('/api/todos', { title: 'buy milk' })
    expect(status).toBe(201)
    expect(data.title).toBe('buy milk')
    expect(net.apiRequests().map((r) => r.method)).toEqual(['POST', 'POST'])
  })

  it('a second 401 after the replay goes to the caller: 2 requests, 1 refresh, no third try', async () => {
    const { auth } = await net.staleSession()
    const api = xhr(net.api)
    attachAxios(auth, api, { allowedOrigins: [net.api] })
    net.intercept((request) =>
      new URL(request.url).pathname === '/api/me' ? Response.json({ error: 'invalid_token' }, { status: 401 }) : undefined,
    )

    const error = await api.get('/api/me').catch((caught: unknown) => caught)

    expect(axios.isAxiosError(error) && statusOf(error)).toBe(401)
    expect(net.apiRequests()).toHaveLength(2)
    expect(net.refreshRequests()).toHaveLength(1)
  })

  it('keeps the token out of the AxiosError the app gets: no Authorization in its config, whatever the adapter', async () => {
    const { auth } = await net.staleSession()
    const instances = [xhr(net.api), http(net.api)]
    instances.forEach((instance) => attachAxios(auth, instance, { allowedOrigins: [net.api] }))
    net.intercept((request) => (new URL(request.url).pathname === '/api/me' ? Response.json({}, { status: 401 }) : undefined))

    const errors = await Promise.all(instances.map((instance) => instance.get('/api/me').catch((caught: unknown) => caught)))

    expect(errors.map(statusOf)).toEqual([401, 401]) // the second 401, after the one replay
    expect(net.apiRequests().every((r) => r.token !== null)).toBe(true)
    for (const error of errors) {
      expect(axios.isAxiosError(error) && error.config?.headers.has('Authorization')).toBe(false)
      expect(JSON.stringify((error as { toJSON(): unknown }).toJSON())).not.toContain(auth.getSnapshot().accessToken!)
    }
  })

  it('sends no token to an origin that is not allowed, and refreshes nothing for its 401', async () => {
    const { auth } = await net.staleSession()
    const other = http(net.other)
    attachAxios(auth, other, { allowedOrigins: [net.api] })

    const error = await other.get('/api/me').catch((caught: unknown) => caught)

    expect(statusOf(error)).toBe(401)
    expect(net.seen).toEqual([{ origin: net.other, method: 'GET', path: '/api/me', token: null }])
  })

  it('a login that changed between the request and its replay: session_changed, nothing replayed, no refresh', async () => {
    const { auth } = await net.staleSession()
    const admin = await net.signIn('admin')
    const api = xhr(net.api)
    attachAxios(auth, api, { allowedOrigins: [net.api] })
    net.intercept(() => void auth.login(admin)) // admin signs in while alice's request is at the server

    const error = await api.get('/api/me').catch((caught: unknown) => caught)

    expect(isAuthError(error) && error.code).toBe('session_changed')
    expect(net.apiRequests()).toHaveLength(1)
    expect(net.refreshRequests()).toHaveLength(0)
  })

  it('a login that changed while the token was read: session_changed before anything is sent', async () => {
    const { auth } = await net.staleSession()
    const admin = await net.signIn('admin')
    const api = http(net.api)
    attachAxios(
      {
        getSnapshot: auth.getSnapshot,
        refresh: auth.refresh,
        getAuthHeaders: async () => {
          const headers = await auth.getAuthHeaders()
          auth.login(admin)
          return headers
        },
      },
      api,
      { allowedOrigins: [net.api] },
    )
    await expect(api.get('/api/me')).rejects.toMatchObject({ name: 'AuthError', code: 'session_changed' })
    expect(net.seen).toEqual([])
  })

  it('a 401 asking for a step-up sign-in spends no refresh: step_up_required with the challenge, as auth.fetch', async () => {
    const { auth } = await net.staleSession()
    const api = xhr(net.api)
    attachAxios(auth, api, { allowedOrigins: [net.api] })
    net.intercept(() =>
      Response.json({}, { status: 401, headers: { 'www-authenticate': 'Bearer error="insufficient_user_authentication", max_age=60' } }),
    )
    const error = await api.get('/api/sensitive').catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'AuthError', code: 'step_up_required', status: 401, challenge: { maxAge: 60 } })
    expect(net.apiRequests()).toHaveLength(1)
    expect(net.refreshRequests()).toHaveLength(0)
  })

  it('the returned function removes both interceptors', async () => {
    const { auth } = await net.staleSession()
    const api: AxiosInstance = http(net.api)
    const detach = attachAxios(auth, api, { allowedOrigins: [net.api] })
    detach()
    await expect(api.get('/api/me')).rejects.toMatchObject({ response: { status: 401 } })
    expect(net.seen).toEqual([expect.objectContaining({ path: '/api/me', token: null })])
  })

  it('refuses a plain-http origin that is not this machine, as the client does', async () => {
    const { auth } = await net.staleSession()
    const api = http(net.api)
    attachAxios(auth, api, { allowedOrigins: ['http://api.example.test'] })
    await expect(api.get('/api/me')).rejects.toMatchObject({ code: 'insecure_origin' })
    expect(net.seen).toEqual([])
  })

  it('sends the client’s Hasura role like auth.fetch: the Bearer replaces the request’s own, its own role wins', async () => {
    const auth = createAuthClient({
      refresh: async () => ({ accessToken: '', refreshToken: '' }),
      role: hasuraRole(),
      storage: null,
      channel: null,
      locks: null,
    })
    const claims = { sub: 'u1', [HASURA_NAMESPACE]: { 'x-hasura-default-role': 'user', 'x-hasura-allowed-roles': ['user', 'editor'] } }
    auth.login({ accessToken: createTestJwt(claims), refreshToken: 'rt-0' })
    auth.setRole('editor')
    // An adapter that answers with the headers axios would have sent.
    const api = axios.create({
      baseURL: 'https://hasura.example.com',
      adapter: async (config) => ({ data: config.headers.toJSON(), status: 200, statusText: 'OK', headers: {}, config }),
    })
    attachAxios(auth, api, { allowedOrigins: ['https://hasura.example.com'] })

    const own = await api.get('/v1/graphql', { headers: { Authorization: 'Bearer mine', 'x-hasura-role': 'user' } })
    const plain = await api.get('/v1/graphql')

    const bearer = `Bearer ${auth.getSnapshot().accessToken}`
    expect(own.data).toMatchObject({ Authorization: bearer, 'x-hasura-role': 'user' })
    expect(plain.data).toMatchObject({ Authorization: bearer, 'x-hasura-role': 'editor' })
  })
})
