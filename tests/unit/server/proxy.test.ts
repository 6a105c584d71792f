// @vitest-environment node
// Behind a reverse proxy that terminates TLS the app sees plain http; `trustProxy` takes the
// scheme (and host) the browser used from X-Forwarded-Proto / X-Forwarded-Host.
import { describe, expect, it } from 'vitest'
import { createAuthServer, createBrowserFetch, type AuthServerOptions } from '../../../src/testing/server/index'

const CREDENTIALS = JSON.stringify({ username: 'alice', password: 'alice-password' })

function setup(options: AuthServerOptions = {}, origin = 'http://10.0.0.5:3000') {
  const server = createAuthServer({ passwordIterations: 1000, ...options })
  const browser = createBrowserFetch(server.handler, { origin })
  const post = (path: string, headers: Record<string, string>, body = CREDENTIALS) =>
    browser(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
  return { server, browser, post }
}

const fingerprintCookie = (response: Response) => response.headers.getSetCookie()[0] ?? ''
const FORWARDED_HTTPS = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example' }

describe('trustProxy', () => {
  it('is off by default: X-Forwarded-Proto is ignored and an http request gets a plain cookie', async () => {
    const { post } = setup()
    const response = await post('/auth/login', FORWARDED_HTTPS)
    expect(fingerprintCookie(response)).toMatch(/^jwt-fgp=\w+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800$/)
  })

  it('honours X-Forwarded-Proto: https with a __Host- Secure cookie, and reads that cookie back on refresh', async () => {
    const { post, browser } = setup({ trustProxy: true })
    const login = await post('/auth/login', FORWARDED_HTTPS)
    expect(fingerprintCookie(login)).toMatch(/^__Host-jwt-fgp=\w+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800; Secure$/)
    const { refreshToken } = (await login.json()) as { refreshToken: string }
    expect(browser.cookies().has('__Host-jwt-fgp')).toBe(true)
    const refreshed = await post('/auth/refresh', FORWARDED_HTTPS, JSON.stringify({ refreshToken }))
    expect(refreshed.status).toBe(200)
    expect(fingerprintCookie(refreshed)).toMatch(/^__Host-jwt-fgp=.*; Secure$/)
  })

  it('takes the first value, the one the proxy nearest the browser wrote', async () => {
    const { post } = setup({ trustProxy: true })
    expect(fingerprintCookie(await post('/auth/login', { 'x-forwarded-proto': 'https, http' }))).toMatch(/^__Host-.*; Secure$/)
    expect(fingerprintCookie(await post('/auth/login', { 'x-forwarded-proto': 'HTTPS' }))).toMatch(/^__Host-.*; Secure$/)
  })

  it('falls back to the URL scheme without the header or with a value that is no scheme', async () => {
    const { post } = setup({ trustProxy: true })
    expect(fingerprintCookie(await post('/auth/login', {}))).toMatch(/^jwt-fgp=.*604800$/)
    expect(fingerprintCookie(await post('/auth/login', { 'x-forwarded-proto': 'wss' }))).toMatch(/^jwt-fgp=.*604800$/)
  })

  it('trusts a proxy that says the browser used http, on an https URL', async () => {
    const { post } = setup({ trustProxy: true }, 'https://app.example')
    expect(fingerprintCookie(await post('/auth/login', { 'x-forwarded-proto': 'http' }))).toMatch(/^jwt-fgp=.*604800$/)
  })

  it('checks the Origin against the forwarded scheme and host', async () => {
    const proxied = setup({ trustProxy: true })
    expect((await proxied.post('/auth/login', { ...FORWARDED_HTTPS, origin: 'https://app.example' })).status).toBe(200)
    expect((await proxied.post('/auth/login', { ...FORWARDED_HTTPS, origin: 'http://10.0.0.5:3000' })).status).toBe(403)
    const direct = setup()
    expect((await direct.post('/auth/login', { ...FORWARDED_HTTPS, origin: 'https://app.example' })).status).toBe(403)
  })
})

describe('secureCookies', () => {
  it('forces __Host- and Secure on over http', async () => {
    const { post } = setup({ secureCookies: true })
    expect(fingerprintCookie(await post('/auth/login', {}))).toMatch(/^__Host-jwt-fgp=.*; Secure$/)
  })

  it('forces them off over https, even when a trusted proxy says https', async () => {
    const { post } = setup({ secureCookies: false, trustProxy: true }, 'https://app.example')
    expect(fingerprintCookie(await post('/auth/login', FORWARDED_HTTPS))).toMatch(/^jwt-fgp=.*604800$/)
  })
})
