import { afterEach, describe, expect, it, vi } from 'vitest'
import { restRefresh, restRevoke } from '../../../src/adapters/rest'
import { graphqlRefresh, graphqlRevoke } from '../../../src/adapters/graphql'
import type { AuthClientOptions, RefreshContext } from '../../../src/core'
import { createTestJwt } from '../../../src/testing'
import { standaloneClient, useFakeClock } from '../../support/session'
import { json } from './helpers'

afterEach(() => vi.useRealTimers())

const URL_ = 'https://auth.example.com/auth/refresh'
const HASURA_FGP = ['https://hasura.io/jwt/claims', 'x-hasura-fgp']
const authError = (code: string, status?: number) =>
  expect.objectContaining({ name: 'AuthError', code, ...(status === undefined ? {} : { status }) })

/** A base fetch answering with `respond`; `sent` holds every request as the server would see it. */
function stub(respond: (request: Request) => Response | Promise<Response>) {
  const sent: Request[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    sent.push(request.clone())
    return respond(request)
  })
  return { fetch: fetch as typeof globalThis.fetch & typeof fetch, sent }
}

function context(overrides: Partial<RefreshContext> = {}): RefreshContext {
  return {
    refreshToken: 'rt-1',
    accessToken: 'at-1',
    claims: { sub: 'user-1', exp: 2_000_000_000, fgp: 'fgp-hash' },
    signal: new AbortController().signal,
    ...overrides,
  }
}

const html = () => new Response('<!doctype html><title>Sign in</title>', { headers: { 'content-type': 'text/html' } })
const BAD_ANSWERS: [string, () => Response][] = [
  ['an HTML page', html],
  ['an empty body', () => new Response('', { headers: { 'content-type': 'application/json' } })],
  ['JSON without a token', () => json({ ok: true })],
  ['a token that is not a JWT', () => json({ accessToken: 'opaque-token', refreshToken: 'rt-2' })],
  ['a JWT without exp', () => json({ accessToken: createTestJwt({ exp: undefined }), refreshToken: 'rt-2' })],
  ['a refresh token that is not a string', () => json({ accessToken: createTestJwt(), refreshToken: 42 })],
  ['a JSON array', () => json([createTestJwt()])],
]

describe('restRefresh', () => {
  it('POSTs the refresh token and the fingerprint hash as JSON with the cookies, and maps the pair', async () => {
    const accessToken = createTestJwt()
    const { fetch, sent } = stub(() => json({ accessToken, refreshToken: 'rt-2', expiresIn: 900 }))

    const pair = await restRefresh({ url: URL_, fetch, headers: { 'X-CSRF': '1' } })(context())

    expect(pair).toEqual({ accessToken, refreshToken: 'rt-2' })
    const [request] = sent
    expect(request).toMatchObject({ method: 'POST', url: URL_, credentials: 'include', keepalive: false })
    expect(request!.headers.get('content-type')).toBe('application/json')
    expect(request!.headers.get('x-csrf')).toBe('1')
    expect(request!.headers.get('authorization')).toBeNull()
    expect(await request!.json()).toEqual({ refreshToken: 'rt-1', fingerprintHash: 'fgp-hash' })
  })

  it.each([
    ['a nested claim path', HASURA_FGP, { 'https://hasura.io/jwt/claims': { 'x-hasura-fgp': 'h' } }, { fingerprintHash: 'h' }],
    [
      'a claim path into stringified JSON claims',
      HASURA_FGP,
      { 'https://hasura.io/jwt/claims': JSON.stringify({ 'x-hasura-fgp': 'h' }) },
      { fingerprintHash: 'h' },
    ],
    ['a claim path into a string that is not JSON', HASURA_FGP, { 'https://hasura.io/jwt/claims': 'x-hasura-fgp' }, {}],
    ['no fingerprint claim in the token', undefined, {}, {}],
    ['fingerprintClaim: false', false, { fgp: 'h' }, {}],
  ] as const)('sends the fingerprint per %s', async (_label, fingerprintClaim, claims, expected) => {
    const { fetch, sent } = stub(() => json({ accessToken: createTestJwt(), refreshToken: 'rt-2' }))
    const refresh = restRefresh({ url: URL_, fetch, fingerprintClaim: fingerprintClaim as string[] | false | undefined })
    await refresh(context({ claims: { exp: 2_000_000_000, ...claims } }))
    expect(await sent[0]!.json()).toEqual({ refreshToken: 'rt-1', ...expected })
  })

  it('maps the snake_case names', async () => {
    const accessToken = createTestJwt()
    const { fetch } = stub(() => json({ access_token: accessToken, refresh_token: 'rt-2', token_type: 'Bearer' }))
    expect(await restRefresh({ url: URL_, fetch })(context())).toEqual({ accessToken, refreshToken: 'rt-2' })
  })

  it('keeps the current refresh token when the answer carries none (non-rotating servers)', async () => {
    const accessToken = createTestJwt()
    const { fetch } = stub(() => json({ access_token: accessToken }))
    expect(await restRefresh({ url: URL_, fetch })(context())).toEqual({ accessToken, refreshToken: 'rt-1' })
  })

  it('sends no refresh token in cookie mode', async () => {
    const { fetch, sent } = stub(() => json({ accessToken: createTestJwt(), refreshToken: null }))
    expect(await restRefresh({ url: URL_, fetch })(context({ refreshToken: null, claims: null }))).toMatchObject({ refreshToken: null })
    expect(await sent[0]!.json()).toEqual({})
  })

  it.each([400, 401, 403])('classifies HTTP %i as refresh_rejected with its status', async (status) => {
    const { fetch } = stub(() => json({ error: 'invalid_grant' }, status))
    await expect(restRefresh({ url: URL_, fetch })(context())).rejects.toEqual(authError('refresh_rejected', status))
  })

  it.each([429, 500, 502, 503])('classifies HTTP %i as refresh_failed (transient) with its status', async (status) => {
    const { fetch } = stub(() => new Response('busy', { status }))
    await expect(restRefresh({ url: URL_, fetch })(context())).rejects.toEqual(authError('refresh_failed', status))
  })

  it('classifies a network error as refresh_failed', async () => {
    const fetch = vi.fn(async () => Promise.reject(new TypeError('fetch failed')))
    await expect(restRefresh({ url: URL_, fetch })(context())).rejects.toEqual(authError('refresh_failed'))
  })

  it.each(BAD_ANSWERS)('rejects %s with invalid_token (the 2xx spent the token), quoting nothing from the body', async (_label, answer) => {
    const { fetch } = stub(answer)
    const failure = await restRefresh({ url: URL_, fetch })(context()).catch((error: unknown) => error)
    expect(failure).toEqual(authError('invalid_token'))
    expect(String((failure as Error).message)).not.toMatch(/Sign in|opaque-token|eyJ/)
  })

  it("passes the client's signal to fetch: an abort fails the refresh with refresh_failed", async () => {
    const controller = new AbortController()
    // Like a real fetch: it rejects with the signal's reason when the signal aborts.
    const { fetch } = stub(
      (request) =>
        new Promise<Response>((_resolve, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason))),
    )
    const outcome = restRefresh({ url: URL_, fetch })(context({ signal: controller.signal })).catch((error: unknown) => error)
    await vi.waitFor(() => expect(fetch).toHaveBeenCalled())
    expect(fetch.mock.calls[0]![1]!.signal).toBe(controller.signal)
    controller.abort()
    expect(await outcome).toEqual(authError('refresh_failed'))
  })
})

describe('adapters in the client', () => {
  function clientWith(respond: (request: Request) => Response | Promise<Response>, options: Partial<AuthClientOptions> = {}) {
    const { fetch } = stub(respond)
    const { client, events } = standaloneClient({ refresh: restRefresh({ url: URL_, fetch }), ...options })
    const accessToken = createTestJwt({ sub: 'user-1' })
    client.login({ accessToken, refreshToken: 'rt-0' })
    return { client, accessToken, events, fetch }
  }

  it("fails a hanging refresh with refresh_failed after the client's refreshTimeout, aborting the request", async () => {
    useFakeClock()
    let requestSignal: AbortSignal | undefined
    // Ignores its signal and fails long after the deadline: that late failure must be swallowed.
    const { client } = clientWith(
      (request) => {
        requestSignal = request.signal
        return new Promise((_resolve, reject) => setTimeout(() => reject(new TypeError('late')), 60_000))
      },
      { refreshTimeout: 5_000 },
    )
    const outcome = client.refresh().catch((error: unknown) => error)

    await vi.advanceTimersByTimeAsync(4_999)
    expect(requestSignal!.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(await outcome).toEqual(authError('refresh_failed'))
    expect(requestSignal!.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(60_000)
  })

  it('fails a body that never ends with refresh_failed after the refreshTimeout, keeping the session', async () => {
    useFakeClock()
    const { client, accessToken } = clientWith(
      () => new Response(new ReadableStream({ start() {} }), { headers: { 'content-type': 'application/json' } }),
    )
    const outcome = client.refresh().catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(15_000)
    expect(await outcome).toEqual(authError('refresh_failed'))
    expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken })
  })

  it.each(BAD_ANSWERS)('ends the session and never sends the spent refresh token again when a 2xx answer is %s', async (_label, answer) => {
    const { client, events, fetch } = clientWith(answer)
    await expect(client.refresh()).rejects.toEqual(authError('invalid_token'))
    expect(client.getSnapshot()).toMatchObject({ status: 'unauthenticated', accessToken: null, error: { code: 'invalid_token' } })
    expect(events).toContainEqual({ type: 'logged_out', reason: 'refresh_rejected', fromOtherTab: false })
    await expect(client.refresh()).rejects.toMatchObject({ code: 'unauthenticated' })
    expect(await client.getAccessToken()).toBeNull()
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('reports a 401 from the endpoint as refresh_rejected', async () => {
    const { client } = clientWith(() => json({ error: 'invalid_grant' }, 401))
    await expect(client.refresh()).rejects.toEqual(authError('refresh_rejected', 401))
    expect(client.getSnapshot().error).toEqual(authError('refresh_rejected', 401))
  })

  it('stores a snake_case answer as the new session', async () => {
    const fresh = createTestJwt({ sub: 'user-1' })
    const { client } = clientWith(() => json({ access_token: fresh, refresh_token: 'rt-9' }))
    expect(await client.refresh()).toBe(fresh)
    expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: fresh, error: null })
  })
})

describe('graphqlRefresh', () => {
  const GQL = 'https://hasura.example.com/v1/graphql'
  const errors = (...list: { code?: string; message?: string }[]) =>
    json({ errors: list.map(({ code, message = 'failed' }) => ({ message, extensions: code ? { code, path: '$' } : {} })) })

  it("sends the Hasura guide's refreshJwtToken action and maps jwt to accessToken", async () => {
    const jwt = createTestJwt()
    const { fetch, sent } = stub(() => json({ data: { refreshJwtToken: { jwt, refreshToken: 'rt-2' } } }))

    expect(await graphqlRefresh({ url: GQL, fetch })(context())).toEqual({ accessToken: jwt, refreshToken: 'rt-2' })

    const body = (await sent[0]!.json()) as { query: string; variables: unknown }
    expect(body.query).toContain('refreshJwtToken(refreshToken: $refreshToken, fingerprintHash: $fingerprintHash) { jwt refreshToken }')
    expect(body.variables).toEqual({ refreshToken: 'rt-1', fingerprintHash: 'fgp-hash' })
    expect(sent[0]).toMatchObject({ method: 'POST', credentials: 'include' })
  })

  it('leaves out the arguments it has no value for, and sends only variables a custom query declares', async () => {
    const pair = () => ({ accessToken: createTestJwt(), refreshToken: 'rt-2' })
    const { fetch, sent } = stub(() => json({ data: { refreshJwtToken: pair(), renew: pair() } }))
    await graphqlRefresh({ url: GQL, fetch })(context({ claims: { exp: 2_000_000_000 } }))
    await graphqlRefresh({
      url: GQL,
      fetch,
      field: 'renew',
      query: 'mutation ($refreshToken: String!) { renew(token: $refreshToken) { accessToken refreshToken } }',
    })(context())

    const [first, second] = (await Promise.all(sent.map((request) => request.json()))) as { query: string; variables: unknown }[]
    expect(first!.query).not.toContain('fingerprintHash')
    expect(first!.variables).toEqual({ refreshToken: 'rt-1' })
    expect(second!.variables).toEqual({ refreshToken: 'rt-1' })
  })

  it.each([
    ['invalid-jwt', { code: 'invalid-jwt' }],
    ['access-denied', { code: 'access-denied' }],
    ['invalid_grant', { code: 'invalid_grant' }],
    ['an action error whose message is invalid_grant', { code: 'unexpected', message: 'invalid_grant' }],
  ])('classifies %s as refresh_rejected', async (_label, error) => {
    const { fetch } = stub(() => errors(error))
    await expect(graphqlRefresh({ url: GQL, fetch })(context())).rejects.toEqual(authError('refresh_rejected'))
  })

  it.each<[string, () => Response]>([
    ['validation-failed', () => errors({ code: 'validation-failed' })],
    ['an unexpected error', () => errors({ code: 'unexpected', message: 'http exception when calling webhook' })],
    ['HTTP 503', () => new Response('', { status: 503 })],
  ])('classifies %s as refresh_failed', async (_label, answer) => {
    const { fetch } = stub(answer)
    await expect(graphqlRefresh({ url: GQL, fetch })(context())).rejects.toEqual(authError('refresh_failed'))
  })

  it.each<[string, () => Response]>([
    ['data without the field', () => json({ data: { refreshJwtToken: null } })],
    ['a jwt that is not a JWT', () => json({ data: { refreshJwtToken: { jwt: 'nope', refreshToken: 'rt' } } })],
    ['an HTML page', html],
  ])('classifies %s as invalid_token: a 2xx spent the token', async (_label, answer) => {
    const { fetch } = stub(answer)
    await expect(graphqlRefresh({ url: GQL, fetch })(context())).rejects.toEqual(authError('invalid_token'))
  })
})

describe('restRevoke', () => {
  it('POSTs the refresh token with the Bearer token and the cookies, surviving the page (keepalive); everywhere goes to everywhereUrl', async () => {
    const { fetch, sent } = stub(() => new Response(null, { status: 204 }))
    const revoke = restRevoke({ url: 'https://a.example/auth/logout', everywhereUrl: 'https://a.example/auth/logout-all', fetch })

    await revoke({ refreshToken: 'rt-1', accessToken: 'at-1', everywhere: false })
    await revoke({ refreshToken: 'rt-1', accessToken: 'at-1', everywhere: true })

    // keepalive: a logout followed at once by closing the tab still reaches the server.
    expect(sent.map((request) => [request.url, request.headers.get('authorization'), request.credentials, request.keepalive])).toEqual([
      ['https://a.example/auth/logout', 'Bearer at-1', 'include', true],
      ['https://a.example/auth/logout-all', 'Bearer at-1', 'include', true],
    ])
    expect(await Promise.all(sent.map((request) => request.json()))).toEqual([{ refreshToken: 'rt-1' }, { refreshToken: 'rt-1' }])
  })

  it('without everywhereUrl, says everywhere in the body', async () => {
    const { fetch, sent } = stub(() => new Response(null, { status: 204 }))
    await restRevoke({ url: 'https://a.example/auth/logout', fetch })({ refreshToken: null, accessToken: 'at-1', everywhere: true })
    expect(await sent[0]!.json()).toEqual({ everywhere: true })
  })

  it('fails with revoke_failed on an error status, which the client reports as an event after logging out', async () => {
    const { fetch } = stub(() => new Response('', { status: 500 }))
    const revoke = restRevoke({ url: 'https://a.example/auth/logout', fetch })
    await expect(revoke({ refreshToken: 'rt', accessToken: 'at', everywhere: false })).rejects.toEqual(authError('revoke_failed', 500))

    const { client, events } = standaloneClient({ revoke })
    client.login({ accessToken: createTestJwt(), refreshToken: 'rt' })
    await client.logout()
    expect(client.getSnapshot().status).toBe('unauthenticated')
    expect(events.map((event) => event.type)).toContain('revoke_failed')
  })

  it('gives up after 10 s, so a hanging logout endpoint cannot hang logout()', async () => {
    const deadline = new AbortController()
    const timeout = vi.spyOn(AbortSignal, 'timeout').mockReturnValue(deadline.signal)
    // Like a real fetch: it rejects with the signal's reason when the signal aborts.
    const { fetch } = stub(
      (request) =>
        new Promise<Response>((_resolve, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason))),
    )
    const { client, events } = standaloneClient({ revoke: restRevoke({ url: 'https://a.example/auth/logout', fetch }) })
    client.login({ accessToken: createTestJwt(), refreshToken: 'rt' })
    const loggedOut = client.logout()
    await vi.waitFor(() => expect(fetch).toHaveBeenCalled())
    expect(timeout).toHaveBeenCalledWith(10_000)

    deadline.abort(new DOMException('The operation timed out.', 'TimeoutError'))
    await loggedOut
    expect(events).toContainEqual({ type: 'revoke_failed', error: authError('revoke_failed') })
  })
})

describe('graphqlRevoke', () => {
  it('sends the logout mutation with the Bearer token and only the declared variables', async () => {
    const { fetch, sent } = stub(() => json({ data: { logout: { ok: true } } }))
    const revoke = graphqlRevoke({
      url: 'https://hasura.example.com/v1/graphql',
      mutation: 'mutation ($refreshToken: String!) { logout(refreshToken: $refreshToken) { ok } }',
      everywhereMutation: 'mutation { logoutEverywhere { ok } }',
      fetch,
    })
    await revoke({ refreshToken: 'rt-1', accessToken: 'at-1', everywhere: false })
    await revoke({ refreshToken: 'rt-1', accessToken: 'at-1', everywhere: true })

    const bodies = (await Promise.all(sent.map((request) => request.json()))) as { query: string; variables: unknown }[]
    expect(bodies.map((body) => body.variables)).toEqual([{ refreshToken: 'rt-1' }, {}])
    expect(bodies[1]!.query).toContain('logoutEverywhere')
    expect(sent.map((request) => request.headers.get('authorization'))).toEqual(['Bearer at-1', 'Bearer at-1'])
    expect(sent.map((request) => request.keepalive)).toEqual([true, true])
  })

  it('fails with revoke_failed on GraphQL errors', async () => {
    const { fetch } = stub(() => json({ errors: [{ message: 'no', extensions: { code: 'access-denied' } }] }))
    const revoke = graphqlRevoke({ url: 'https://h.example/v1/graphql', mutation: 'mutation { logout { ok } }', fetch })
    await expect(revoke({ refreshToken: 'rt', accessToken: 'at', everywhere: false })).rejects.toEqual(authError('revoke_failed'))
  })
})
