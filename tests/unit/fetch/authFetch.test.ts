import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AuthError } from '../../../src/core/errors'
import { readClaims, useFakeClock } from '../../support/session'
import type { TokenPair } from '../../../src/core/tokens'
import { createTestJwt } from '../../../src/testing'
import { heldUntilReleased, openTabs, rotatingServer } from '../core/tabs'
import { ORIGIN, deferred, json, setup } from './helpers'

afterEach(() => vi.useRealTimers())

const subOf = (token: string) => readClaims<{ sub: string }>(token).sub
const rejectedWith = (code: string) => expect.objectContaining({ name: 'AuthError', code })

describe('where the token goes', () => {
  it('sends the Bearer token to the page origin by default and nothing to other origins', async () => {
    const { client, api, login } = setup()
    const token = login()
    await client.fetch('/api/me')
    const foreignInit = { headers: { 'X-Trace': '1' } }
    await client.fetch('https://other.example/data', foreignInit)

    expect(api.seen[0]).toMatchObject({ url: `${ORIGIN}/api/me`, authorization: `Bearer ${token}` })
    expect(api.seen[1]).toMatchObject({ url: 'https://other.example/data', authorization: null })
    // The foreign request goes out exactly as given: same input, same init object.
    expect(api.fetch.mock.calls[1]).toEqual(['https://other.example/data', foreignInit])
    expect(api.fetch.mock.calls[1]![1]).toBe(foreignInit)
    expect(api.seen.every((seen) => !seen.url.includes(token))).toBe(true)
  })

  it('sends it only to the listed allowedOrigins, matched by exact origin', async () => {
    const { client, api, login } = setup({ allowedOrigins: ['https://api.example.com/'] })
    const token = login()
    for (const url of [
      'https://api.example.com/v1/me',
      '/api/me', // the page's own origin is not listed
      'http://api.example.com/v1/me', // other scheme
      'https://api.example.com.evil.test/v1/me',
      'https://api.example.com:8443/v1/me',
    ]) {
      await client.fetch(url)
    }
    expect(api.seen.map((seen) => seen.authorization)).toEqual([`Bearer ${token}`, null, null, null, null])
  })

  it('replaces an Authorization header the caller set instead of sending two', async () => {
    const { client, api, login } = setup()
    const token = login()
    await client.fetch('/api/me', { headers: { authorization: 'Bearer stale', Accept: 'application/json' } })
    await client.fetch('/api/me', { headers: new Headers({ Authorization: 'Basic eA==' }) })
    expect(api.seen.map((seen) => seen.authorization)).toEqual([`Bearer ${token}`, `Bearer ${token}`])
  })

  it('accepts a URL object and a Request object', async () => {
    const { client, api, login } = setup()
    const token = login()
    await client.fetch(new URL('/api/me', ORIGIN))
    await client.fetch(new Request(`${ORIGIN}/api/me`, { headers: { 'X-Custom': 'kept' } }))
    expect(api.seen.map((seen) => seen.authorization)).toEqual([`Bearer ${token}`, `Bearer ${token}`])
    expect((api.fetch.mock.calls[1]![0] as Request).headers.get('x-custom')).toBe('kept')
  })
})

describe('before sending', () => {
  it('refreshes an expired token first and never sends the expired one', async () => {
    useFakeClock()
    const { client, api, refresh, login } = setup()
    const expired = login({ expiresIn: 60 })
    vi.setSystemTime(Date.now() + 61_000)

    const response = await client.fetch('/api/me')

    expect(response.status).toBe(200)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(api.seen).toHaveLength(1)
    expect(api.seen[0]!.authorization).toBe(`Bearer ${client.getSnapshot().accessToken}`)
    expect(api.seen[0]!.authorization).not.toContain(expired)
  })

  it('refreshes a token inside the refresh lead first, then sends only the new one', async () => {
    useFakeClock()
    const { client, api, refresh, login } = setup({ refreshLeadTime: 60_000 })
    const old = login({ expiresIn: 900 })
    vi.setSystemTime(Date.now() + 870_000) // 30 s left: still valid, but due for its refresh

    await client.fetch('/api/me')

    expect(refresh).toHaveBeenCalledTimes(1)
    expect(api.seen.map((seen) => seen.authorization)).toEqual([`Bearer ${client.getSnapshot().accessToken}`])
    expect(client.getSnapshot().accessToken).not.toBe(old)
  })

  it('sends nothing when another user signs in while the request waits for its token: session_changed', async () => {
    useFakeClock()
    const { client, api, refresh, login } = setup()
    login({ expiresIn: 60 })
    vi.setSystemTime(Date.now() + 61_000)
    const answer = deferred<TokenPair>()
    refresh.mockImplementationOnce(() => answer.promise)

    const sending = client.fetch('/api/me')
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(1))
    const admin = createTestJwt({ sub: 'admin' })
    api.valid.add(admin)
    client.login({ accessToken: admin, refreshToken: 'rt-admin' })
    answer.resolve({ accessToken: createTestJwt({ sub: 'user-1' }), refreshToken: 'rt-1' })

    await expect(sending).rejects.toEqual(rejectedWith('session_changed'))
    expect(api.seen).toEqual([]) // neither user's token went out for a request composed for user-1
  })

  it('sends a token well before its refresh time as it is, with no refresh', async () => {
    const { client, api, refresh, login } = setup()
    const token = login({ expiresIn: 900 })

    await Promise.all([client.fetch('/api/me'), client.fetch('/api/todos')])

    expect(refresh).not.toHaveBeenCalled()
    expect(api.seen.map((seen) => seen.authorization)).toEqual([`Bearer ${token}`, `Bearer ${token}`])
  })
})

describe('401 → one refresh → one replay', () => {
  it('10 parallel requests that all get 401 make exactly 1 refresh and exactly 10 retries', async () => {
    const { client, api, refresh, login } = setup()
    const revoked = login({ accepted: false })

    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => client.fetch(`/api/todos/${i}`)))

    expect(refresh).toHaveBeenCalledTimes(1)
    expect(api.fetch).toHaveBeenCalledTimes(20)
    const fresh = client.getSnapshot().accessToken!
    expect(api.seen.filter((seen) => seen.authorization === `Bearer ${revoked}`)).toHaveLength(10)
    expect(api.seen.filter((seen) => seen.authorization === `Bearer ${fresh}`)).toHaveLength(10)
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200))
  })

  it('hands a second 401 to the caller: no second refresh, no loop', async () => {
    const { client, api, refresh, login } = setup()
    login()
    api.respond(() => json({ error: 'forbidden_here' }, 401))

    const response = await client.fetch('/api/me')

    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: 'forbidden_here' })
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(api.fetch).toHaveBeenCalledTimes(2)
  })

  it('replays a JSON body intact, with its method and headers', async () => {
    const { client, api, login } = setup()
    login({ accepted: false })
    const body = JSON.stringify({ title: 'Buy milk', tags: ['ü', '✓'] })

    const response = await client.fetch('/api/todos', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    })

    expect(response.status).toBe(200)
    expect(api.seen.map(({ method, body }) => ({ method, body }))).toEqual([
      { method: 'POST', body },
      { method: 'POST', body },
    ])
    expect(api.fetch.mock.calls.map(([, init]) => new Headers(init!.headers).get('content-type'))).toEqual([
      'application/json',
      'application/json',
    ])
  })

  it('replays a streamed body intact', async () => {
    const { client, api, login } = setup()
    login({ accepted: false })
    const chunks = ['{"part":', '"one",', '"end":true}']
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        chunks.forEach((chunk) => controller.enqueue(new TextEncoder().encode(chunk)))
        controller.close()
      },
    })

    const response = await client.fetch('/api/upload', { method: 'POST', body: stream, duplex: 'half' } as RequestInit)

    expect(response.status).toBe(200)
    expect(api.seen.map((seen) => seen.body)).toEqual([chunks.join(''), chunks.join('')])
  })

  it('replays a Request object with a streamed body intact', async () => {
    const { client, api, login } = setup()
    login({ accepted: false })
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('line 1\n'))
        controller.enqueue(new TextEncoder().encode('line 2\n'))
        controller.close()
      },
    })
    const request = new Request(`${ORIGIN}/api/upload`, {
      method: 'PUT',
      body: stream,
      headers: { 'X-Custom': 'kept' },
      duplex: 'half',
    } as RequestInit)

    const response = await client.fetch(request)

    expect(response.status).toBe(200)
    expect(api.seen.map(({ method, body }) => ({ method, body }))).toEqual([
      { method: 'PUT', body: 'line 1\nline 2\n' },
      { method: 'PUT', body: 'line 1\nline 2\n' },
    ])
    expect(api.fetch.mock.calls.map(([sent]) => (sent as Request).headers.get('x-custom'))).toEqual(['kept', 'kept'])
  })

  it('sends excluded URLs (the refresh endpoint) as they are: no token, and a 401 goes straight back', async () => {
    const { client, api, refresh, login } = setup({ excludeUrls: ['/auth/refresh', /\/public\//] })
    login()
    api.respond(() => json({ error: 'invalid_grant' }, 401))

    const first = await client.fetch('/auth/refresh', { method: 'POST', body: '{}' })
    const second = await client.fetch(`${ORIGIN}/public/x?y=1`)

    expect([first.status, second.status]).toEqual([401, 401])
    expect(refresh).not.toHaveBeenCalled()
    expect(api.seen.map(({ authorization, credentials }) => ({ authorization, credentials }))).toEqual([
      { authorization: null, credentials: 'include' },
      { authorization: null, credentials: 'include' },
    ])
  })

  it('does not replay under another user who signed in before the 401 came back: session_changed', async () => {
    const { client, api, refresh, login } = setup()
    const userToken = login({ accepted: false })
    const answer = deferred<Response>()
    api.respond(() => answer.promise)
    const sending = client.fetch('/api/orders', { method: 'POST', body: '{}' })
    await vi.waitFor(() => expect(api.seen).toHaveLength(1))
    const admin = createTestJwt({ sub: 'admin' })
    api.valid.add(admin)
    client.login({ accessToken: admin, refreshToken: 'rt-admin' })
    answer.resolve(json({ error: 'invalid_token' }, 401))

    await expect(sending).rejects.toEqual(rejectedWith('session_changed'))
    expect(api.seen.map((seen) => seen.authorization)).toEqual([`Bearer ${userToken}`])
    expect(refresh).not.toHaveBeenCalled()
  })

  it('gives the caller the refresh error when the refresh after a 401 fails, and sends no replay', async () => {
    const { client, api, refresh, login } = setup()
    login({ accepted: false })
    refresh.mockRejectedValueOnce(Object.assign(new Error('bad gateway'), { status: 502 }))

    await expect(client.fetch('/api/me')).rejects.toEqual(rejectedWith('refresh_failed'))
    expect(api.fetch).toHaveBeenCalledTimes(1)
    expect(client.getSnapshot().status).toBe('authenticated')
  })

  it('ends the session when the API refuses the token and the server refuses its refresh', async () => {
    const { client, api, refresh, login } = setup()
    login({ accepted: false })
    refresh.mockRejectedValue(Object.assign(new Error('invalid_grant'), { status: 401 }))

    await expect(client.fetch('/api/me')).rejects.toEqual(rejectedWith('refresh_rejected'))
    expect(client.getSnapshot()).toMatchObject({ status: 'unauthenticated', error: { code: 'refresh_rejected' } })
    await expect(client.fetch('/api/me')).rejects.toEqual(rejectedWith('unauthenticated'))

    expect(refresh).toHaveBeenCalledTimes(1)
    expect(api.fetch).toHaveBeenCalledTimes(1)
  })

  it('asks no second time after an early rejection while the token still works', async () => {
    const { client, refresh, login } = setup()
    login({ accepted: true })
    refresh.mockRejectedValue(Object.assign(new Error('invalid_grant'), { status: 401 }))
    await expect(client.refresh()).rejects.toEqual(rejectedWith('refresh_rejected'))
    await expect(client.refresh()).rejects.toEqual(rejectedWith('refresh_rejected'))
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(client.getSnapshot().status).toBe('authenticated')
  })
})

describe('abort', () => {
  it('aborting a request that waits for the shared refresh rejects only that request', async () => {
    const { client, api, refresh, login } = setup()
    login({ accepted: false })
    const gate = deferred<void>()
    const issue = refresh.getMockImplementation()!
    refresh.mockImplementationOnce(async (context) => {
      await gate.promise
      return issue(context)
    })
    const controller = new AbortController()
    const aborted = client.fetch('/api/a', { signal: controller.signal })
    const other = client.fetch('/api/b')
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(1))

    controller.abort()
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' })
    gate.resolve()

    expect((await other).status).toBe(200)
    expect(refresh.mock.calls[0]![0].signal.aborted).toBe(false)
    expect(refresh).toHaveBeenCalledTimes(1)
    // a, b, and b's replay: the aborted request is not replayed.
    expect(api.seen.map((seen) => seen.url).sort()).toEqual([`${ORIGIN}/api/a`, `${ORIGIN}/api/b`, `${ORIGIN}/api/b`])
    expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', error: null })
  })

  it('aborting a request in flight gives the caller the AbortError and leaves the session alone', async () => {
    const { client, api, refresh, login } = setup()
    login()
    api.respond(
      (request) =>
        new Promise<Response>((_resolve, reject) =>
          request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true }),
        ),
    )
    const before = client.getSnapshot()
    const controller = new AbortController()
    const pending = client.fetch('/api/slow', { signal: controller.signal })
    await vi.waitFor(() => expect(api.fetch).toHaveBeenCalledTimes(1))

    controller.abort()

    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    expect(refresh).not.toHaveBeenCalled()
    expect(client.getSnapshot()).toBe(before)
  })

  it('an already aborted signal sends nothing', async () => {
    const { client, api, login } = setup()
    login()
    await expect(client.fetch('/api/me', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
    expect(api.fetch).not.toHaveBeenCalled()
  })
})

describe('without a session', () => {
  it('rejects with unauthenticated and touches no network', async () => {
    const { client, api } = setup()
    await expect(client.fetch('/api/me')).rejects.toEqual(rejectedWith('unauthenticated'))
    await expect(client.getAuthHeaders()).rejects.toEqual(rejectedWith('unauthenticated'))
    expect(api.fetch).not.toHaveBeenCalled()
  })

  it('touches no network once a rejected refresh has ended the session', async () => {
    useFakeClock()
    const { client, api, refresh, login } = setup()
    login({ expiresIn: 60 })
    refresh.mockRejectedValue(Object.assign(new Error('invalid_grant'), { status: 401 }))
    vi.setSystemTime(Date.now() + 61_000)

    await expect(client.fetch('/api/me')).rejects.toEqual(rejectedWith('refresh_rejected'))
    expect(client.getSnapshot().status).toBe('unauthenticated')
    await expect(client.fetch('/api/me')).rejects.toEqual(rejectedWith('unauthenticated'))

    expect(api.fetch).not.toHaveBeenCalled()
    expect(refresh).toHaveBeenCalledTimes(1)
  })

  it('still sends requests to other origins', async () => {
    const { client, api } = setup()
    expect((await client.fetch('https://other.example/public')).status).toBe(401)
    expect(api.seen[0]!.authorization).toBeNull()
  })
})

describe('credentials', () => {
  it.each([
    ['include for allowed origins by default', {}, undefined, 'include'],
    ["the request's own value", {}, 'omit', 'omit'],
    ['the client option', { credentials: 'same-origin' }, undefined, 'same-origin'],
    ["the request's own value over the client option", { credentials: 'same-origin' }, 'include', 'include'],
  ] as const)('uses %s', async (_label, options, perRequest, expected) => {
    const { client, api, login } = setup(options)
    login()
    await client.fetch('/api/me', perRequest ? { credentials: perRequest } : undefined)
    expect(api.seen[0]!.credentials).toBe(expected)
  })

  it('leaves credentials of other origins to the browser default', async () => {
    const { client, api, login } = setup()
    login()
    await client.fetch('https://other.example/data')
    expect(api.seen[0]!.credentials).toBe('same-origin')
  })
})

describe('GraphQL auth errors answered with HTTP 200', () => {
  const hasura = (code: string) => (_request: Request, token: string | null, valid: Set<string>) =>
    token !== null && valid.has(token)
      ? json({ data: { me: { id: 'user-1' } } })
      : json({ errors: [{ message: 'Could not verify JWT: JWTExpired', extensions: { code, path: '$' } }] })
  const query = JSON.stringify({ query: '{ me { id } }' })

  it.each([
    ['Hasura invalid-jwt', true, 'invalid-jwt'],
    ['Hasura invalid-headers', true, 'invalid-headers'],
    ['a listed custom code', ['UNAUTHENTICATED'], 'UNAUTHENTICATED'],
  ] as const)('refresh and replay on %s when the option is on', async (_label, graphqlErrors, code) => {
    const { client, api, refresh, login } = setup({ graphqlErrors: graphqlErrors as boolean | string[] })
    login({ accepted: false })
    api.respond((request, token) => hasura(code)(request, token, api.valid))

    const response = await client.fetch('/graphql', { method: 'POST', body: query })

    expect(await response.json()).toEqual({ data: { me: { id: 'user-1' } } })
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(api.seen.map((seen) => seen.body)).toEqual([query, query])
  })

  it('hands the 200 to the caller untouched when the option is off', async () => {
    const { client, api, refresh, login } = setup()
    login({ accepted: false })
    api.respond((request, token) => hasura('invalid-jwt')(request, token, api.valid))

    const response = await client.fetch('/graphql', { method: 'POST', body: query })

    expect(response.bodyUsed).toBe(false)
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'invalid-jwt' } }] })
    expect(refresh).not.toHaveBeenCalled()
    expect(api.fetch).toHaveBeenCalledTimes(1)
  })

  it('does not read bodies that are not JSON, nor other error codes', async () => {
    const { client, api, refresh, login } = setup({ graphqlErrors: true })
    login()
    const clone = vi.spyOn(Response.prototype, 'clone')
    api.respond(() => new Response('invalid-jwt', { headers: { 'content-type': 'text/plain' } }))
    expect(await (await client.fetch('/graphql')).text()).toBe('invalid-jwt')
    expect(clone).not.toHaveBeenCalled()

    api.respond(() => json({ errors: [{ message: 'boom', extensions: { code: 'validation-failed' } }] }))
    expect(await (await client.fetch('/graphql')).json()).toMatchObject({ errors: [{ message: 'boom' }] })
    expect(refresh).not.toHaveBeenCalled()
  })
})

describe('getAuthHeaders', () => {
  it('gives the new token after a refresh, so a WebSocket reconnect authenticates with it', async () => {
    const { client, login } = setup()
    const first = login()
    expect(await client.getAuthHeaders()).toEqual({ Authorization: `Bearer ${first}` })

    const fresh = await client.refresh()

    expect(fresh).not.toBe(first)
    expect(await client.getAuthHeaders()).toEqual({ Authorization: `Bearer ${fresh}` })
  })

  it('refreshes an expired token before answering', async () => {
    useFakeClock()
    const { client, refresh, login } = setup()
    const expired = login({ expiresIn: 60 })
    vi.setSystemTime(Date.now() + 61_000)

    const headers = await client.getAuthHeaders()

    expect(refresh).toHaveBeenCalledTimes(1)
    expect(headers.Authorization).not.toContain(expired)
    expect(headers).toEqual({ Authorization: `Bearer ${client.getSnapshot().accessToken}` })
  })
})

describe('a request composed for one user', () => {
  beforeEach(() => useFakeClock())

  function api() {
    const users: string[] = []
    const fetch = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
      users.push(subOf((init?.headers as Record<string, string>).Authorization!.slice('Bearer '.length)))
      return new Response('', { status: 401 })
    })
    return { users, options: { fetch: fetch as typeof globalThis.fetch, allowedOrigins: ['https://api.example.com'] } }
  }

  it.each([
    ['in the same tab', 0],
    ['in another tab', 1],
  ])('is never replayed under another: a login %s during its refresh rejects it with session_changed', async (_label, loginTab) => {
    const server = rotatingServer(60)
    const { slow, release } = heldUntilReleased(server.refresh)
    const { users, options } = api()
    const { open } = openTabs(0, slow)
    const tabs = [open(options), open(options)]
    tabs[0]!.login(server.loginPair('alice'))
    await vi.advanceTimersByTimeAsync(300)
    const posting = tabs[0]!.fetch('https://api.example.com/orders', { method: 'POST', body: '{}' }).catch((error: AuthError) => error)
    await vi.advanceTimersByTimeAsync(0)
    tabs[loginTab]!.login(server.loginPair('bob'))
    release()
    expect(await posting).toMatchObject({ code: 'session_changed' })
    expect(users).toEqual(['alice'])
  })
})

describe('plain http', () => {
  it('refuses a Bearer origin or an auth URL on http to another host, unless allowed for development', async () => {
    const { restRefresh } = await import('../../../src/adapters/rest')
    const insecure = { code: 'insecure_origin' }
    expect(() => setup({ allowedOrigins: ['http://api.example.com'] })).toThrow(expect.objectContaining(insecure))
    expect(() => restRefresh({ url: 'http://auth.example.com/refresh' })).toThrow(expect.objectContaining(insecure))
    expect(() => setup({ allowedOrigins: ['http://api.example.com'], allowInsecureHttp: true })).not.toThrow()
    for (const local of ['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:5173', 'http://app.localhost']) {
      expect(() => setup({ allowedOrigins: [local] })).not.toThrow()
    }
  })
})
