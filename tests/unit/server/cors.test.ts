// @vitest-environment node
// CORS for an app on another origin than the reference server (`corsOrigins`): credentialed
// answers only to the listed origins, preflights answered, nothing for anyone else. A browser's
// enforcement of these headers is proven by the Hasura recipe (examples/recipes/hasura.test.tsx).
import { describe, expect, it } from 'vitest'
import { createAuthServer, createBrowserFetch, type AuthServerOptions } from '../../../src/testing/server/index'

const APP = 'https://app.example'
const API = 'https://api.example'

function setup(options: AuthServerOptions = { corsOrigins: [APP] }) {
  const server = createAuthServer({ passwordIterations: 1000, ...options })
  const browser = createBrowserFetch(server.handler, { origin: API })
  const login = async (origin = APP) =>
    browser('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
    })
  const preflight = (origin: string, path = '/graphql') =>
    browser(path, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-hasura-role',
      },
    })
  return { server, browser, login, preflight }
}

const corsHeaders = (response: Response) => [...response.headers.keys()].filter((name) => name.startsWith('access-control-'))

describe('corsOrigins', () => {
  it('answers a listed origin with that exact origin and credentials, on success and on a 401 alike', async () => {
    const { browser, login } = setup()
    const { accessToken } = (await (await login()).json()) as { accessToken: string }
    for (const authorization of [`Bearer ${accessToken}`, 'Bearer not-a-token']) {
      const response = await browser('/api/me', { headers: { origin: APP, authorization } })
      expect(response.headers.get('access-control-allow-origin')).toBe(APP)
      expect(response.headers.get('access-control-allow-credentials')).toBe('true')
      expect(response.headers.get('vary')).toBe('Origin')
      // The client reads a step-up challenge and a DPoP nonce from these.
      expect(response.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate, DPoP-Nonce')
    }
  })

  it('sends no CORS headers to an origin not listed, and Vary: Origin so no cache hands one to the other', async () => {
    const { browser } = setup()
    for (const origin of ['https://evil.example', 'http://app.example', 'https://app.example.evil.example', 'null']) {
      const response = await browser('/api/me', { headers: { origin } })
      expect(response.status).toBe(401)
      expect(corsHeaders(response)).toEqual([])
      expect(response.headers.get('vary')).toBe('Origin')
    }
  })

  it('answers a preflight from a listed origin with 204, the methods and the headers the client sends', async () => {
    const { server, preflight } = setup()
    const response = await preflight(APP)
    expect(response.status).toBe(204)
    expect(await response.text()).toBe('')
    expect(response.headers.get('access-control-allow-origin')).toBe(APP)
    expect(response.headers.get('access-control-allow-credentials')).toBe('true')
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST')
    expect(response.headers.get('access-control-allow-headers')).toBe('Accept, Authorization, Content-Type, DPoP, X-Hasura-Role')
    expect(response.headers.get('access-control-max-age')).toBe('600')
    expect(response.headers.get('vary')).toBe('Origin')
    expect(server.control.counters()).toMatchObject({ unauthorized: 0, refreshes: 0 })
  })

  it('refuses a preflight from an origin not listed with 403 and no CORS headers', async () => {
    const { preflight } = setup()
    const response = await preflight('https://evil.example')
    expect(response.status).toBe(403)
    expect(corsHeaders(response)).toEqual([])
  })

  it('lets a listed origin use the cookie endpoints, which still refuse every other origin', async () => {
    const { browser, login } = setup()
    const signedIn = await login()
    expect(signedIn.status).toBe(200)
    expect(browser.cookies().get('__Host-jwt-fgp')).toBeDefined()
    expect((await login('https://evil.example')).status).toBe(403)
  })

  it('changes nothing without corsOrigins: no CORS headers, no Vary, a preflight gets 405', async () => {
    const { browser, login, preflight } = setup({})
    const response = await browser('/api/me', { headers: { origin: APP } })
    expect(corsHeaders(response)).toEqual([])
    expect(response.headers.get('vary')).toBeNull()
    expect((await preflight(APP)).status).toBe(405)
    expect((await login()).status).toBe(403)
  })

  it('refuses a wildcard or anything but an exact http(s) origin with a TypeError', () => {
    for (const value of ['*', 'https://*.example', 'https://app.example/app', 'app.example', 'null', 'file:///tmp']) {
      expect(() => createAuthServer({ corsOrigins: [value] }), value).toThrow(TypeError)
    }
    expect(() => createAuthServer({ corsOrigins: ['https://app.example/', 'http://localhost:5173'] })).not.toThrow()
  })
})
