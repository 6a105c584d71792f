// @vitest-environment node
// Cross-site request forgery on the endpoints that act on the session cookies. The in-process
// browser sends its cookies with every request, as a browser without SameSite enforcement (or a
// sibling subdomain, which SameSite counts as the same site) would.
import { describe, expect, it } from 'vitest'
import { createAuthServer, createBrowserFetch, type AuthServerOptions } from '../../../src/testing/server/index'

const REFRESH_MUTATION = 'mutation { refreshJwtToken { jwt } }'
const GUARDED = ['/auth/login', '/auth/refresh', '/auth/logout', '/auth/logout-all', '/graphql']

function setup(options: AuthServerOptions = {}, origin?: string) {
  const server = createAuthServer({ passwordIterations: 1000, ...options })
  const browser = createBrowserFetch(server.handler, origin ? { origin } : {})
  const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    browser(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  const cookieLogin = async () => {
    const response = await postJson('/auth/login', { username: 'alice', password: 'alice-password', cookieMode: true })
    expect(response.status).toBe(200)
  }
  return { server, browser, postJson, cookieLogin }
}

describe('cross-site requests', () => {
  it('refuses a cross-site text/plain POST to /auth/logout-all in cookie mode and revokes nothing', async () => {
    const { server, browser, postJson, cookieLogin } = setup()
    await cookieLogin()
    // What a form on another site can send without a preflight: text/plain, the cookies ride along.
    const forged = await browser('/auth/logout-all', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
      body: '{}',
    })
    expect(forged.status).toBe(403)
    expect(await forged.json()).toEqual({ error: 'forbidden_origin' })
    expect(server.control.counters().revocations).toBe(0)
    expect((await postJson('/auth/refresh', {})).status).toBe(200)
  })

  it('refuses a cross-site form POST to /auth/logout in cookie mode and keeps the session', async () => {
    const { server, browser, postJson, cookieLogin } = setup()
    await cookieLogin()
    const forged = await browser('/auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: 'a=b',
    })
    expect(forged.status).toBe(403)
    expect(forged.headers.getSetCookie()).toEqual([])
    expect(server.control.counters().revocations).toBe(0)
    expect((await postJson('/auth/refresh', {})).status).toBe(200)
  })

  it.each(GUARDED)('refuses a foreign Origin on %s with 403, JSON body or not', async (path) => {
    const { server, postJson, cookieLogin } = setup()
    await cookieLogin()
    const body = path === '/graphql' ? { query: REFRESH_MUTATION } : { username: 'alice', password: 'alice-password' }
    for (const origin of ['https://evil.example', 'http://localhost:8080', 'https://localhost', 'null']) {
      const response = await postJson(path, body, { origin })
      expect(response.status).toBe(403)
      expect(response.headers.get('content-type')).toBe('application/json')
      expect(await response.json()).toEqual({ error: 'forbidden_origin' })
    }
    expect(server.control.counters()).toMatchObject({ logins: 1, refreshes: 0, revocations: 0 })
  })

  it.each(GUARDED)('refuses a same-origin body that is not application/json on %s with 415', async (path) => {
    const { server, browser, cookieLogin } = setup()
    await cookieLogin()
    const bodies: RequestInit[] = [
      { headers: { 'content-type': 'text/plain' }, body: '{}' },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' },
      { headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' },
      { body: new Uint8Array([123, 125]) }, // a body without any Content-Type
    ]
    for (const init of bodies) {
      const response = await browser(path, { method: 'POST', ...init, headers: { ...init.headers, origin: 'http://localhost' } })
      expect(response.status).toBe(415)
      expect(await response.json()).toEqual({ error: 'unsupported_media_type' })
    }
    expect(server.control.counters()).toMatchObject({ logins: 1, refreshes: 0, revocations: 0 })
  })

  it('accepts its own origin, application/json with a charset, and a request without an Origin header', async () => {
    const { postJson, cookieLogin } = setup()
    await cookieLogin()
    expect((await postJson('/auth/refresh', {}, { origin: 'http://localhost' })).status).toBe(200)
    expect((await postJson('/auth/refresh', {}, { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200)
    expect((await postJson('/auth/refresh', {}, { 'content-type': 'Application/JSON' })).status).toBe(200)
  })

  it('accepts a POST without a body or Content-Type (a non-browser client in cookie mode)', async () => {
    const { browser, cookieLogin } = setup()
    await cookieLogin()
    expect((await browser('/auth/refresh', { method: 'POST' })).status).toBe(200)
    expect((await browser('/auth/logout', { method: 'POST' })).status).toBe(204)
  })

  it('compares the Origin with scheme, host and port of the request URL', async () => {
    const { postJson } = setup({}, 'https://app.example:8443')
    const login = { username: 'alice', password: 'alice-password' }
    expect((await postJson('/auth/login', login, { origin: 'https://app.example:8443' })).status).toBe(200)
    expect((await postJson('/auth/login', login, { origin: 'https://app.example' })).status).toBe(403)
    expect((await postJson('/auth/login', login, { origin: 'http://app.example:8443' })).status).toBe(403)
  })

  it('accepts the trustedOrigins, e.g. the public origin in front of a proxy that rewrites Host', async () => {
    const { postJson } = setup({ trustedOrigins: ['https://app.example/'] }, 'http://10.0.0.5:3000')
    const login = { username: 'alice', password: 'alice-password' }
    expect((await postJson('/auth/login', login, { origin: 'https://app.example' })).status).toBe(200)
    expect((await postJson('/auth/login', login, { origin: 'https://other.example' })).status).toBe(403)
  })

  it('refuses trustedOrigins that are not http(s) origins', () => {
    expect(() => createAuthServer({ trustedOrigins: ['app.example'] })).toThrow(RangeError)
    expect(() => createAuthServer({ trustedOrigins: ['file:///tmp'] })).toThrow(RangeError)
  })

  it('leaves the Bearer-authenticated API alone: no other site can send the Authorization header', async () => {
    const { browser, postJson } = setup()
    const { accessToken } = (await (await postJson('/auth/login', { username: 'alice', password: 'alice-password' })).json()) as {
      accessToken: string
    }
    const added = await browser('/api/todos', {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', origin: 'https://partner.example' },
      body: JSON.stringify({ title: 'from a partner page the API allows by CORS' }),
    })
    expect(added.status).toBe(201)
  })
})
