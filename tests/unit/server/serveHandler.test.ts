// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest'
import { serveHandler, type ServedHandler } from '../../../src/testing/nodeHttp'
import { createAuthServer } from '../../../src/testing/server/index'

let served: ServedHandler | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

const cookieHeader = (setCookies: string[]) => setCookies.map((c) => c.split(';')[0]).join('; ')

describe('serveHandler over real HTTP on 127.0.0.1', () => {
  it('round-trips the fingerprint cookie and keeps every Set-Cookie header', async () => {
    const server = createAuthServer({ passwordIterations: 1000 })
    served = await serveHandler(server.handler)
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const login = await fetch(`${served.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'alice-password', cookieMode: true }),
    })
    expect(login.status).toBe(200)
    const setCookies = login.headers.getSetCookie()
    expect(setCookies.map((c) => c.split('=')[0])).toEqual(['jwt-fgp', 'jwt-rt'])
    const { accessToken } = (await login.json()) as { accessToken: string }

    const withCookie = await fetch(`${served.url}/api/me`, {
      headers: { authorization: `Bearer ${accessToken}`, cookie: cookieHeader(setCookies) },
    })
    expect(withCookie.status).toBe(200)
    expect(await withCookie.json()).toEqual({ id: 'user-alice', username: 'alice', name: 'Alice', roles: ['user'] })

    const withoutCookie = await fetch(`${served.url}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } })
    expect(withoutCookie.status).toBe(401)
    expect(withoutCookie.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')

    const refreshed = await fetch(`${served.url}/auth/refresh`, { method: 'POST', headers: { cookie: cookieHeader(setCookies) } })
    expect(refreshed.status).toBe(200)
    expect(refreshed.headers.get('cache-control')).toBe('no-store')
    expect(refreshed.headers.getSetCookie()).toHaveLength(2)
  })

  it('hands paths outside the handler to the fallback, but not 404s under /api/', async () => {
    const server = createAuthServer({ passwordIterations: 1000 })
    served = await serveHandler(server.handler, {
      fallback: (_req, res) => {
        res.setHeader('content-type', 'text/html')
        res.end('<h1>demo</h1>')
      },
    })
    const page = await fetch(`${served.url}/index.html`)
    expect(page.status).toBe(200)
    expect(await page.text()).toBe('<h1>demo</h1>')
    const api = await fetch(`${served.url}/api/nope`)
    expect(api.status).toBe(404)
    expect(await api.json()).toEqual({ error: 'not_found' })
  })

  it('aborts the request signal when the client disconnects, so a held refresh is never processed', async () => {
    // Strict rotation, so a second use shows as 401 rather than as a replay of the first.
    const server = createAuthServer({ passwordIterations: 1000, refreshGraceWindow: 0 })
    served = await serveHandler(server.handler)
    const login = await fetch(`${served.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
    })
    const cookie = cookieHeader(login.headers.getSetCookie())
    const { refreshToken } = (await login.json()) as { refreshToken: string }
    const refresh = (signal?: AbortSignal) =>
      fetch(`${served!.url}/auth/refresh`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
        signal,
      })

    server.control.holdRefreshes()
    const controller = new AbortController()
    const pending = refresh(controller.signal)
    for (let i = 0; i < 200 && server.control.pendingRefreshes() === 0; i++) await new Promise((r) => setTimeout(r, 5))
    expect(server.control.pendingRefreshes()).toBe(1)
    controller.abort()
    await expect(pending).rejects.toThrow()
    for (let i = 0; i < 200 && server.control.pendingRefreshes() === 1; i++) await new Promise((r) => setTimeout(r, 5))
    expect(server.control.pendingRefreshes()).toBe(0)
    server.control.releaseRefreshes()

    expect(server.control.counters().refreshes).toBe(0)
    expect((await refresh()).status).toBe(200)
    expect((await refresh()).status).toBe(401)
  })
})
