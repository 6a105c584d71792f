// @vitest-environment node
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { sha256Hex } from '../../../src/testing/server/bytes'
import { HASURA_NAMESPACE as HASURA_CLAIMS } from '../../../src/core/hasura'
import { createAuthServer, createBrowserFetch, type AuthServerOptions } from '../../../src/testing/server/index'
import { readClaims } from '../../support/session'

interface Pair {
  accessToken: string
  refreshToken: string
  expiresIn: number
}

const SECRET = 'test-secret-that-is-at-least-32-bytes-long'

function setup(options: AuthServerOptions = {}, origin?: string) {
  const server = createAuthServer({ passwordIterations: 1000, secret: SECRET, ...options })
  const browser = createBrowserFetch(server.handler, origin ? { origin } : {})
  const post = (path: string, body?: unknown, b = browser) =>
    b(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  const login = async (username = 'alice', password = `${username}-password`, b = browser) => {
    const response = await post('/auth/login', { username, password }, b)
    expect(response.status).toBe(200)
    return (await response.json()) as Pair
  }
  const refresh = (refreshToken: string, b = browser) => post('/auth/refresh', { refreshToken }, b)
  const me = (accessToken: string, b = browser) => b('/api/me', { headers: { authorization: `Bearer ${accessToken}` } })
  return { server, browser, post, login, refresh, me, claims: readClaims }
}

describe('login', () => {
  it('answers a token pair and sets the hardened fingerprint cookie', async () => {
    const { post } = setup()
    const response = await post('/auth/login', { username: 'alice', password: 'alice-password' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = (await response.json()) as Pair
    expect(Object.keys(body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken'])
    expect(body.expiresIn).toBe(900)
    expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const cookies = response.headers.getSetCookie()
    expect(cookies).toHaveLength(1)
    expect(cookies[0]).toMatch(/^jwt-fgp=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800$/)
  })

  it('refuses a wrong password with 401 invalid_credentials and no cookie', async () => {
    const { post, server } = setup()
    const response = await post('/auth/login', { username: 'alice', password: 'nope' })
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: 'invalid_credentials' })
    expect(response.headers.getSetCookie()).toEqual([])
    expect(server.control.counters()).toMatchObject({ logins: 0, unauthorized: 1 })
  })

  it('answers an unknown user exactly like a wrong password', async () => {
    const { post } = setup()
    const response = await post('/auth/login', { username: 'mallory', password: 'alice-password' })
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: 'invalid_credentials' })
  })

  it('answers 400 invalid_request to a body without string credentials', async () => {
    const { post, browser } = setup()
    expect((await post('/auth/login', { username: 'alice' })).status).toBe(400)
    const notJson = await browser('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' })
    expect(notJson.status).toBe(400)
    expect(await notJson.json()).toEqual({ error: 'invalid_request' })
  })

  it('uses a __Host- prefixed Secure cookie over https', async () => {
    const { post } = setup({}, 'https://app.example')
    const response = await post('/auth/login', { username: 'alice', password: 'alice-password' })
    expect(response.headers.getSetCookie()[0]).toMatch(
      /^__Host-jwt-fgp=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800; Secure$/,
    )
  })

  it('caps the fingerprint cookie Max-Age at the refresh-token lifetime', async () => {
    const { post } = setup({ refreshTokenTtl: 120 })
    const response = await post('/auth/login', { username: 'alice', password: 'alice-password' })
    expect(response.headers.getSetCookie()[0]).toMatch(/; Max-Age=120$/)
  })

  it('logs in users given in options, with their ids and roles', async () => {
    const { login, claims, server } = setup({ users: [{ username: 'bob', password: 'pw', roles: ['editor'] }] })
    expect(server.users).toEqual([{ username: 'bob', password: 'pw', id: 'user-bob', roles: ['editor'], name: 'bob' }])
    const { accessToken } = await login('bob', 'pw')
    expect(claims(accessToken)[HASURA_CLAIMS]).toEqual({
      'x-hasura-user-id': 'user-bob',
      'x-hasura-default-role': 'editor',
      'x-hasura-allowed-roles': ['editor'],
    })
  })
})

describe('access token', () => {
  it('verifies with the server key and carries sub, name, roles, Hasura claims, sid and fgp = sha256(cookie)', async () => {
    const { login, browser } = setup({ issuer: 'https://auth.test', audience: 'demo' })
    const { accessToken } = await login('admin')
    const { payload, protectedHeader } = await jwtVerify(accessToken, new TextEncoder().encode(SECRET), {
      issuer: 'https://auth.test',
      audience: 'demo',
    })
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(payload.sub).toBe('user-admin')
    expect(payload.name).toBe('Admin')
    expect(payload.roles).toEqual(['user', 'admin'])
    expect(payload[HASURA_CLAIMS]).toEqual({
      'x-hasura-user-id': 'user-admin',
      'x-hasura-default-role': 'user',
      'x-hasura-allowed-roles': ['user', 'admin'],
    })
    expect(payload.exp! - payload.iat!).toBe(900)
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5)
    expect(payload.jti).toMatch(/^[0-9a-f]{32}$/)
    expect(payload.sid).toMatch(/^[0-9a-f]{32}$/)
    expect(payload.fgp).toBe(await sha256Hex(browser.cookies().get('jwt-fgp')!))
  })

  it('signs ES256 with a key published at /.well-known/jwks.json', async () => {
    const { login, browser } = setup({ algorithm: 'ES256' })
    const { accessToken } = await login()
    const jwks = (await (await browser('/.well-known/jwks.json')).json()) as { keys: [{ kid: string }] }
    expect(jwks.keys).toHaveLength(1)
    expect(decodeProtectedHeader(accessToken)).toEqual({ alg: 'ES256', typ: 'JWT', kid: jwks.keys[0].kid })
    const { payload } = await jwtVerify(accessToken, createLocalJWKSet(jwks as never))
    expect(payload.sub).toBe('user-alice')
  })

  it('publishes no key for HS256', async () => {
    const { browser } = setup()
    expect(await (await browser('/.well-known/jwks.json')).json()).toEqual({ keys: [] })
  })

  it('moves iat and exp with setClockOffset', async () => {
    const { login, claims, server } = setup()
    server.control.setClockOffset(3_600_000)
    const before = Math.floor(Date.now() / 1000)
    const { accessToken } = await login()
    const after = Math.floor(Date.now() / 1000)
    const { iat, exp } = claims(accessToken) as { iat: number; exp: number }
    expect(iat - 3600).toBeGreaterThanOrEqual(before)
    expect(iat - 3600).toBeLessThanOrEqual(after)
    expect(exp - iat).toBe(900)
  })
})

describe('refresh rotation', () => {
  it('rotates, and the second refresh with the new token works too', async () => {
    const { login, refresh, me, server } = setup()
    const first = await login()
    const r1 = await refresh(first.refreshToken)
    expect(r1.status).toBe(200)
    const second = (await r1.json()) as Pair
    expect(second.refreshToken).not.toBe(first.refreshToken)
    expect(second.accessToken).not.toBe(first.accessToken)
    const r2 = await refresh(second.refreshToken)
    expect(r2.status).toBe(200)
    const third = (await r2.json()) as Pair
    expect(new Set([first.refreshToken, second.refreshToken, third.refreshToken]).size).toBe(3)
    expect(third.expiresIn).toBe(900)
    expect((await me(third.accessToken)).status).toBe(200)
    expect(server.control.counters()).toMatchObject({ refreshes: 2, reuseEvents: 0 })
  })

  it('keeps the session id and re-sends the same fingerprint cookie', async () => {
    const { login, refresh, claims, browser } = setup()
    const first = await login()
    const fingerprint = browser.cookies().get('jwt-fgp')
    const response = await refresh(first.refreshToken)
    expect(response.headers.getSetCookie()).toEqual([`jwt-fgp=${fingerprint}; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800`])
    const next = (await response.json()) as Pair
    expect(claims(next.accessToken).sid).toBe(claims(first.accessToken).sid)
    expect(claims(next.accessToken).fgp).toBe(claims(first.accessToken).fgp)
  })

  it('treats a used token as theft under strict rotation: 401, the whole family revoked, one reuse event', async () => {
    const { login, refresh, me, server } = setup({ refreshGraceWindow: 0 })
    const first = await login()
    const second = (await (await refresh(first.refreshToken)).json()) as Pair
    const replay = await refresh(first.refreshToken)
    expect(replay.status).toBe(401)
    expect(await replay.json()).toEqual({ error: 'invalid_grant' })
    expect((await refresh(second.refreshToken)).status).toBe(401)
    expect((await me(second.accessToken)).status).toBe(401)
    expect((await me(first.accessToken)).status).toBe(401)
    expect(server.control.counters()).toMatchObject({ refreshes: 1, reuseEvents: 1, revocations: 1 })
  })

  it("leaves the same user's other sessions alone on reuse", async () => {
    const { login, refresh, me, server } = setup({ refreshGraceWindow: 0 })
    const other = createBrowserFetch(server.handler)
    const mine = await login()
    const theirs = await login('alice', 'alice-password', other)
    await refresh(mine.refreshToken)
    expect((await refresh(mine.refreshToken)).status).toBe(401)
    expect((await me(theirs.accessToken, other)).status).toBe(200)
    expect((await refresh(theirs.refreshToken, other)).status).toBe(200)
  })

  it('refuses unknown and expired refresh tokens with invalid_grant and no reuse event', async () => {
    const { login, refresh, server } = setup({ refreshTokenTtl: 60 })
    const unknown = await refresh('not-a-token')
    expect(unknown.status).toBe(401)
    expect(await unknown.json()).toEqual({ error: 'invalid_grant' })
    const { refreshToken } = await login()
    server.control.setClockOffset(61_000)
    expect((await refresh(refreshToken)).status).toBe(401)
    expect(server.control.counters().reuseEvents).toBe(0)
  })

  it('answers 400 invalid_request when no refresh token is given', async () => {
    const { post } = setup()
    const response = await post('/auth/refresh', {})
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'invalid_request' })
  })

  it('rotates a token presented twice at once only once (strict rotation: the second is reuse)', async () => {
    const { login, refresh, server } = setup({ refreshGraceWindow: 0 })
    const { refreshToken } = await login()
    const statuses = (await Promise.all([refresh(refreshToken), refresh(refreshToken)])).map((r) => r.status)
    expect(statuses.sort()).toEqual([200, 401])
    expect(server.control.counters()).toMatchObject({ refreshes: 1, reuseEvents: 1 })
  })
})

describe('refresh grace window', () => {
  // A lost response: the server rotated, the answer never arrived, the client retries the old token.
  it('replays the identical pair to a retry of a lost response, by default for 30 s, and counts no reuse', async () => {
    const { login, refresh, me, server } = setup()
    const first = await login()
    const lost = await refresh(first.refreshToken)
    const missed = (await lost.json()) as Pair
    server.control.setClockOffset(29_000)
    const retry = await refresh(first.refreshToken)
    expect(retry.status).toBe(200)
    expect(await retry.json()).toEqual(missed)
    expect(retry.headers.getSetCookie()).toEqual(lost.headers.getSetCookie())
    expect((await me(missed.accessToken)).status).toBe(200)
    expect((await refresh(missed.refreshToken)).status).toBe(200)
    expect(server.control.counters()).toMatchObject({ refreshes: 2, reuseEvents: 0, revocations: 0 })
  })

  it('gives concurrent presentations of one token the same new pair', async () => {
    const { login, refresh, server } = setup()
    const first = await login()
    const again = await Promise.all([refresh(first.refreshToken), refresh(first.refreshToken)])
    const [a, b] = (await Promise.all(again.map((r) => r.json()))) as [Pair, Pair]
    expect(again.map((r) => r.status)).toEqual([200, 200])
    expect(b).toEqual(a)
    expect((await refresh(a.refreshToken)).status).toBe(200)
    expect(server.control.counters()).toMatchObject({ refreshes: 2, reuseEvents: 0 })
  })

  it('replays a lost cookie-mode refresh and sets the refresh cookie the client missed', async () => {
    const { post, browser, server } = setup()
    await post('/auth/login', { username: 'alice', password: 'alice-password', cookieMode: true })
    const spent = browser.cookies().get('jwt-rt')!
    const lost = await post('/auth/refresh')
    const missed = browser.cookies().get('jwt-rt')!
    browser.setCookie('jwt-rt', spent) // the Set-Cookie never reached the browser
    const retry = await post('/auth/refresh')
    expect(retry.status).toBe(200)
    expect(await retry.json()).toEqual(await lost.json())
    expect(browser.cookies().get('jwt-rt')).toBe(missed)
    expect((await post('/auth/refresh')).status).toBe(200)
    expect(server.control.counters()).toMatchObject({ refreshes: 2, reuseEvents: 0 })
  })

  it('treats the rotated token as reuse once the window has passed, and revokes the family', async () => {
    const { login, refresh, me, server } = setup()
    const first = await login()
    const second = (await (await refresh(first.refreshToken)).json()) as Pair
    server.control.setClockOffset(30_001)
    expect((await refresh(first.refreshToken)).status).toBe(401)
    expect((await refresh(second.refreshToken)).status).toBe(401)
    expect((await me(second.accessToken)).status).toBe(401)
    expect(server.control.counters()).toMatchObject({ refreshes: 1, reuseEvents: 1, revocations: 1 })
  })

  it('uses a window given in options', async () => {
    const { login, refresh, server } = setup({ refreshGraceWindow: 10 })
    const first = await login()
    await refresh(first.refreshToken)
    server.control.setClockOffset(10_001)
    expect((await refresh(first.refreshToken)).status).toBe(401)
    expect(server.control.counters().reuseEvents).toBe(1)
  })

  it('treats the rotated token as reuse within the window from a browser with another fingerprint cookie', async () => {
    const { login, refresh, me, server } = setup()
    const first = await login()
    const second = (await (await refresh(first.refreshToken)).json()) as Pair
    const thief = createBrowserFetch(server.handler)
    thief.setCookie('jwt-fgp', 'f'.repeat(64))
    expect((await refresh(first.refreshToken, thief)).status).toBe(401)
    expect((await refresh(second.refreshToken)).status).toBe(401)
    expect((await me(second.accessToken)).status).toBe(401)
    expect(server.control.counters()).toMatchObject({ reuseEvents: 1, revocations: 1 })
  })

  it('treats the rotated token as reuse within the window without the fingerprint cookie', async () => {
    const { login, refresh, server } = setup()
    const first = await login()
    const second = (await (await refresh(first.refreshToken)).json()) as Pair
    const thief = createBrowserFetch(server.handler)
    expect((await refresh(first.refreshToken, thief)).status).toBe(401)
    expect((await refresh(second.refreshToken)).status).toBe(401)
    expect(server.control.counters()).toMatchObject({ reuseEvents: 1, revocations: 1 })
  })

  it('treats the rotated token as reuse within the window once its successor has been used', async () => {
    const { login, refresh, server } = setup()
    const first = await login()
    const second = (await (await refresh(first.refreshToken)).json()) as Pair
    const third = (await (await refresh(second.refreshToken)).json()) as Pair
    expect((await refresh(first.refreshToken)).status).toBe(401)
    expect((await refresh(third.refreshToken)).status).toBe(401)
    expect(server.control.counters()).toMatchObject({ refreshes: 2, reuseEvents: 1, revocations: 1 })
  })

  it('is strict with a window of 0: a retry of a lost response is reuse', async () => {
    const { login, refresh, server } = setup({ refreshGraceWindow: 0 })
    const first = await login()
    await refresh(first.refreshToken)
    expect((await refresh(first.refreshToken)).status).toBe(401)
    expect(server.control.counters()).toMatchObject({ refreshes: 1, reuseEvents: 1, revocations: 1 })
  })

  it('refuses a negative window', () => {
    expect(() => createAuthServer({ refreshGraceWindow: -1 })).toThrow(RangeError)
  })
})

describe('absolute session lifetime (maxSessionAge)', () => {
  const DAY = 86_400_000

  it('ends a session 30 days after login by default, however often it rotated', async () => {
    const { login, refresh, server, claims } = setup()
    let pair = await login()
    const loginIat = claims(pair.accessToken).iat as number
    for (const day of [6, 12, 18, 24]) {
      server.control.setClockOffset(day * DAY)
      const response = await refresh(pair.refreshToken)
      expect(response.status).toBe(200)
      pair = (await response.json()) as Pair
    }
    server.control.setClockOffset(30 * DAY - 60_000)
    const last = await refresh(pair.refreshToken)
    expect(last.status).toBe(200)
    pair = (await last.json()) as Pair
    expect(pair.expiresIn).toBeLessThanOrEqual(60)
    expect(claims(pair.accessToken).exp as number).toBeLessThanOrEqual(loginIat + 30 * 86_400)
    server.control.setClockOffset(30 * DAY + 1_000)
    const refused = await refresh(pair.refreshToken)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toEqual({ error: 'invalid_grant' })
    expect(server.control.counters()).toMatchObject({ refreshes: 5, reuseEvents: 0 })
  })

  describe('with frozen time', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] })
    })
    afterEach(() => {
      vi.useRealTimers()
    })

    it('bounds the refresh token, the access token and the cookies by what is left of the session', async () => {
      const { post, login, refresh, server, claims, browser } = setup({ maxSessionAge: 100, refreshTokenTtl: 60 })
      const first = await login()
      server.control.setClockOffset(50_000)
      const response = await refresh(first.refreshToken)
      expect(response.status).toBe(200)
      const second = (await response.json()) as Pair
      expect(response.headers.getSetCookie()).toEqual([expect.stringMatching(/^jwt-fgp=\w+; .*; Max-Age=50$/)])
      expect(second.expiresIn).toBe(50)
      const { iat, exp } = claims(second.accessToken) as { iat: number; exp: number }
      expect(exp - iat).toBe(50)

      // The new token would live 60 s from now, but the session ends in 50.
      server.control.setClockOffset(100_000)
      expect((await refresh(second.refreshToken)).status).toBe(401)
      expect(server.control.counters()).toMatchObject({ refreshes: 1, reuseEvents: 0 })

      browser.clearCookies()
      server.control.setClockOffset(0)
      const cookieLogin = await post('/auth/login', { username: 'alice', password: 'alice-password', cookieMode: true })
      expect(cookieLogin.headers.getSetCookie().map((c) => /Max-Age=(\d+)/.exec(c)?.[1])).toEqual(['60', '60'])
      server.control.setClockOffset(50_000)
      const cookieRefresh = await post('/auth/refresh')
      expect(cookieRefresh.headers.getSetCookie().map((c) => /^([\w-]+)=.*; Max-Age=(\d+)$/.exec(c)?.slice(1))).toEqual([
        ['jwt-fgp', '50'],
        ['jwt-rt', '50'],
      ])
    })

    it('caps the login cookie at the session age when that is shorter than the refresh-token lifetime', async () => {
      const { post } = setup({ maxSessionAge: 30 })
      const response = await post('/auth/login', { username: 'alice', password: 'alice-password' })
      expect(response.headers.getSetCookie()[0]).toMatch(/; Max-Age=30$/)
      const { expiresIn } = (await response.json()) as Pair
      expect(expiresIn).toBe(30)
    })
  })

  it('refuses a maxSessionAge that is not positive', () => {
    expect(() => createAuthServer({ maxSessionAge: 0 })).toThrow(RangeError)
    expect(() => createAuthServer({ maxSessionAge: Number.NaN })).toThrow(RangeError)
  })
})

describe('fingerprint binding on refresh', () => {
  it('refuses a refresh without the cookie and leaves the token usable', async () => {
    const { login, refresh, browser } = setup()
    const { refreshToken } = await login()
    const fingerprint = browser.cookies().get('jwt-fgp')!
    browser.clearCookies()
    const response = await refresh(refreshToken)
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: 'invalid_grant' })
    browser.setCookie('jwt-fgp', fingerprint)
    expect((await refresh(refreshToken)).status).toBe(200)
  })

  it('refuses a stolen refresh token presented from another browser', async () => {
    const { login, refresh, server } = setup()
    const { refreshToken } = await login()
    const thief = createBrowserFetch(server.handler)
    thief.setCookie('jwt-fgp', 'f'.repeat(64))
    expect((await refresh(refreshToken, thief)).status).toBe(401)
    expect(server.control.counters()).toMatchObject({ refreshes: 0, reuseEvents: 0 })
  })
})

describe('cookie mode', () => {
  it('keeps the refresh token in an HttpOnly cookie and refreshes from it, twice', async () => {
    const { post, browser } = setup()
    const response = await post('/auth/login', { username: 'alice', password: 'alice-password', cookieMode: true })
    const body = (await response.json()) as Partial<Pair>
    expect(Object.keys(body).sort()).toEqual(['accessToken', 'expiresIn'])
    const cookies = response.headers.getSetCookie()
    expect(cookies).toHaveLength(2)
    expect(cookies[1]).toMatch(/^jwt-rt=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800$/)
    const before = browser.cookies().get('jwt-rt')
    const r1 = await post('/auth/refresh')
    expect(r1.status).toBe(200)
    expect(Object.keys((await r1.json()) as object).sort()).toEqual(['accessToken', 'expiresIn'])
    expect(browser.cookies().get('jwt-rt')).not.toBe(before)
    expect((await post('/auth/refresh')).status).toBe(200)
  })
})

describe('Cache-Control: no-store', () => {
  it('is on every answer that carries a token, a replay included, and on refusals', async () => {
    const { post, login, refresh, browser } = setup()
    const first = await login()
    const rotated = await refresh(first.refreshToken)
    const replayed = await refresh(first.refreshToken)
    const refused = await refresh('not-a-token')
    const graphql = await browser('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation { refreshJwtToken { jwt refreshToken } }',
        variables: { refreshToken: ((await rotated.clone().json()) as Pair).refreshToken },
      }),
    })
    expect(((await graphql.clone().json()) as { data?: unknown }).data).toBeDefined()
    await post('/auth/login', { username: 'alice', password: 'alice-password', cookieMode: true })
    const cookieRefresh = await post('/auth/refresh')
    const forbidden = await browser('/auth/refresh', { method: 'POST', headers: { origin: 'https://evil.example' } })
    for (const response of [rotated, replayed, refused, graphql, cookieRefresh, forbidden]) {
      expect(response.headers.get('cache-control')).toBe('no-store')
    }
  })
})
