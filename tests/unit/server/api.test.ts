// @vitest-environment node
import { SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { createAuthServer, createBrowserFetch, type AuthServerOptions, type BrowserFetch } from '../../../src/testing/server/index'
import { readClaims } from '../../support/session'

interface Pair {
  accessToken: string
  refreshToken: string
  expiresIn: number
}

const SECRET = 'test-secret-that-is-at-least-32-bytes-long'
const INVALID_TOKEN = 'Bearer error="invalid_token"'

function setup(options: AuthServerOptions = {}) {
  const server = createAuthServer({ passwordIterations: 1000, secret: SECRET, ...options })
  const browser = createBrowserFetch(server.handler)
  const post = (path: string, body?: unknown, b: BrowserFetch = browser, headers: Record<string, string> = {}) =>
    b(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  const login = async (username = 'alice', b: BrowserFetch = browser) => {
    const response = await post('/auth/login', { username, password: `${username}-password` }, b)
    expect(response.status).toBe(200)
    return (await response.json()) as Pair
  }
  const refresh = (refreshToken: string, b: BrowserFetch = browser) => post('/auth/refresh', { refreshToken }, b)
  const get = (path: string, accessToken?: string, b: BrowserFetch = browser) =>
    b(path, accessToken ? { headers: { authorization: `Bearer ${accessToken}` } } : {})
  const bearer = (accessToken: string) => ({ authorization: `Bearer ${accessToken}` })
  const newBrowser = () => createBrowserFetch(server.handler)
  return { server, browser, post, login, refresh, get, bearer, claims: readClaims, newBrowser }
}

async function expectInvalidToken(response: Response) {
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toBe(INVALID_TOKEN)
  expect(await response.json()).toEqual({ error: 'invalid_token' })
}

describe('/api/me', () => {
  it('returns the profile of the token holder', async () => {
    const { login, get } = setup()
    const response = await get('/api/me', (await login('admin')).accessToken)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toEqual({ id: 'user-admin', username: 'admin', name: 'Admin', roles: ['user', 'admin'] })
  })

  it('answers 401 with WWW-Authenticate to a request without a token', async () => {
    const { get } = setup()
    await expectInvalidToken(await get('/api/me'))
  })

  it('refuses an alg:none token carrying valid claims', async () => {
    const { login, get, claims } = setup()
    const { accessToken } = await login()
    await expectInvalidToken(await get('/api/me', new UnsecuredJWT(claims(accessToken)).encode()))
  })

  it('refuses a token signed with another key', async () => {
    const { login, get, claims } = setup()
    const { accessToken } = await login()
    const forged = await new SignJWT(claims(accessToken))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('x'.repeat(32)))
    await expectInvalidToken(await get('/api/me', forged))
    expect((await get('/api/me', accessToken)).status).toBe(200)
  })

  it('refuses a token whose payload was edited', async () => {
    const { login, get, claims } = setup()
    const { accessToken } = await login()
    const [header, , signature] = accessToken.split('.')
    const payload = btoa(JSON.stringify({ ...claims(accessToken), roles: ['admin'] }))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
    await expectInvalidToken(await get('/api/me', `${header}.${payload}.${signature}`))
  })

  it('refuses an expired token (server clock moved past exp) and counts every 401', async () => {
    const { login, get, server } = setup()
    const { accessToken } = await login()
    server.control.setClockOffset(899_000)
    expect((await get('/api/me', accessToken)).status).toBe(200)
    server.control.setClockOffset(901_000)
    await expectInvalidToken(await get('/api/me', accessToken))
    await expectInvalidToken(await get('/api/todos', accessToken))
    expect(server.control.counters().unauthorized).toBe(2)
  })

  it('refuses a valid token when the fingerprint cookie is missing or different', async () => {
    const { login, get, browser } = setup()
    const { accessToken } = await login()
    const fingerprint = browser.cookies().get('jwt-fgp')!
    browser.setCookie(
      'jwt-fgp',
      fingerprint.replace(/^./, (c) => (c === '0' ? '1' : '0')),
    )
    await expectInvalidToken(await get('/api/me', accessToken))
    browser.clearCookies()
    await expectInvalidToken(await get('/api/me', accessToken))
    browser.setCookie('jwt-fgp', fingerprint)
    expect((await get('/api/me', accessToken)).status).toBe(200)
  })

  it('refuses one access token revoked by revokeAccessToken, not its successor', async () => {
    const { login, refresh, get, server } = setup()
    const first = await login()
    const second = (await (await refresh(first.refreshToken)).json()) as Pair
    server.control.revokeAccessToken(first.accessToken)
    await expectInvalidToken(await get('/api/me', first.accessToken))
    expect((await get('/api/me', second.accessToken)).status).toBe(200)
    expect(server.control.counters().revocations).toBe(1)
  })
})

describe('logout', () => {
  it('revokes the family: refresh and access tokens stop working and the cookies are cleared', async () => {
    const { login, refresh, get, post, bearer, server } = setup()
    const pair = await login()
    const response = await post('/auth/logout', { refreshToken: pair.refreshToken }, undefined, bearer(pair.accessToken))
    expect(response.status).toBe(204)
    expect(response.headers.getSetCookie()).toEqual([
      'jwt-fgp=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0',
      'jwt-rt=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0',
    ])
    await expectInvalidToken(await get('/api/me', pair.accessToken))
    expect((await refresh(pair.refreshToken)).status).toBe(401)
    expect(server.control.counters()).toMatchObject({ revocations: 1, reuseEvents: 0 })
  })

  it('revokes the family given only the refresh token, or only an expired access token', async () => {
    const { login, refresh, post, bearer, server, newBrowser } = setup()
    const a = await login()
    expect((await post('/auth/logout', { refreshToken: a.refreshToken })).status).toBe(204)
    expect((await refresh(a.refreshToken)).status).toBe(401)

    const other = newBrowser()
    const b = await login('alice', other)
    server.control.setClockOffset(1_000_000)
    expect((await post('/auth/logout', undefined, other, bearer(b.accessToken))).status).toBe(204)
    server.control.setClockOffset(0)
    expect((await refresh(b.refreshToken, other)).status).toBe(401)
    expect(server.control.counters().revocations).toBe(2)
  })

  it.each([false, true])(
    'a late logout of an older login keeps the newer login of the same browser signed in (cookie mode: %s)',
    async (cookieMode) => {
      const { post, refresh, get, bearer, server } = setup()
      const signIn = async (username: string) => {
        const response = await post('/auth/login', { username, password: `${username}-password`, cookieMode })
        return (await response.json()) as Pair
      }
      const older = await signIn('alice')
      const newer = await signIn('admin') // a new sign-in in this browser: new cookies
      // A tab that slept through the new sign-in ends the older login on waking.
      const response = await post(
        '/auth/logout',
        cookieMode ? undefined : { refreshToken: older.refreshToken },
        undefined,
        bearer(older.accessToken),
      )
      expect(response.status).toBe(204)
      expect(response.headers.getSetCookie()).toEqual([])
      expect((await get('/api/me', newer.accessToken)).status).toBe(200)
      expect((await (cookieMode ? post('/auth/refresh') : refresh(newer.refreshToken))).status).toBe(200)
      expect(server.control.counters()).toMatchObject({ revocations: 1, reuseEvents: 0 })
    },
  )

  it("logout-all revokes every family of the user and no other user's", async () => {
    const { login, refresh, get, post, bearer, server, newBrowser } = setup()
    const laptop = newBrowser()
    const phone = newBrowser()
    const adminDesk = newBrowser()
    const onLaptop = await login('alice', laptop)
    const onPhone = await login('alice', phone)
    const admin = await login('admin', adminDesk)
    expect((await post('/auth/logout-all', undefined, laptop, bearer(onLaptop.accessToken))).status).toBe(204)
    await expectInvalidToken(await get('/api/me', onPhone.accessToken, phone))
    expect((await refresh(onPhone.refreshToken, phone)).status).toBe(401)
    expect((await refresh(onLaptop.refreshToken, laptop)).status).toBe(401)
    expect((await get('/api/me', admin.accessToken, adminDesk)).status).toBe(200)
    expect((await refresh(admin.refreshToken, adminDesk)).status).toBe(200)
    expect(server.control.counters().revocations).toBe(2)
  })

  it('logout-all accepts a live refresh token when the access token has expired', async () => {
    const { login, refresh, post, server, newBrowser } = setup()
    const phone = newBrowser()
    const mine = await login()
    const onPhone = await login('alice', phone)
    server.control.setClockOffset(901_000)
    expect((await post('/auth/logout-all', { refreshToken: mine.refreshToken })).status).toBe(204)
    expect((await refresh(onPhone.refreshToken, phone)).status).toBe(401)
  })

  it('logout-all without proof of a live session is 401 and revokes nothing', async () => {
    const { login, post, server } = setup()
    await login()
    const response = await post('/auth/logout-all', {})
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(INVALID_TOKEN)
    expect(server.control.counters().revocations).toBe(0)
  })
})

describe('todos', () => {
  it('keeps a list per user', async () => {
    const { login, get, post, bearer, newBrowser } = setup()
    const alice = await login()
    const adminBrowser = newBrowser()
    const admin = await login('admin', adminBrowser)
    const titles = async (token: string, b?: BrowserFetch) =>
      ((await (await get('/api/todos', token, b)).json()) as { title: string }[]).map((t) => t.title)
    expect(await titles(alice.accessToken)).toEqual(['Buy milk', 'Write the refresh tests'])
    expect(await titles(admin.accessToken, adminBrowser)).toEqual(['Review access logs'])

    const created = await post('/api/todos', { title: '  Ship it ' }, undefined, bearer(alice.accessToken))
    expect(created.status).toBe(201)
    expect(await created.json()).toMatchObject({ title: 'Ship it', completed: false })
    expect(await titles(alice.accessToken)).toEqual(['Buy milk', 'Write the refresh tests', 'Ship it'])
    expect(await titles(admin.accessToken, adminBrowser)).toEqual(['Review access logs'])
  })

  it('answers 400 to a todo without a title and 401 without a token', async () => {
    const { login, post, bearer } = setup()
    const { accessToken } = await login()
    expect((await post('/api/todos', { title: ' ' }, undefined, bearer(accessToken))).status).toBe(400)
    await expectInvalidToken(await post('/api/todos', { title: 'x' }))
  })
})

describe('routing', () => {
  it('answers 404 JSON to an unknown path and 405 with Allow to a wrong method', async () => {
    const { get, browser } = setup()
    const missing = await get('/nope')
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toBe('application/json')
    expect(await missing.json()).toEqual({ error: 'not_found' })
    const wrong = await browser('/auth/login', { method: 'GET' })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST')
    expect(await wrong.json()).toEqual({ error: 'method_not_allowed' })
  })
})
