// @vitest-environment node
// jose on Node's own Web Crypto and fetch; jsdom's globals are not what a server runs on.
/* global fetch */
import { describe, expect, it } from 'vitest'
import { createAuthClient, restRefresh } from 'jwt-tab-session/core'
import { createMemoryStorage } from 'jwt-tab-session/testing'
import { createAuthServer, createBrowserFetch } from 'jwt-tab-session/testing/server'
import { serveHandler } from 'jwt-tab-session/testing/node'

const ORIGIN = 'http://localhost'
const credentials = JSON.stringify({ username: 'alice', password: 'alice-password' })
const post = (fetch, url, body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })

describe('reference server from dist/testing-server.mjs', () => {
  it('logs in, and a client refreshes and calls the API through restRefresh and client.fetch', async () => {
    // Strict rotation: within the default grace window a second use would get the same pair back.
    const server = createAuthServer({ passwordIterations: 1000, refreshGraceWindow: 0 })
    const browser = createBrowserFetch(server.handler, { origin: ORIGIN })
    const login = await post(browser, '/auth/login', credentials)
    expect(login.status).toBe(200)
    const pair = await login.json()

    const client = createAuthClient({
      refresh: restRefresh({ url: `${ORIGIN}/auth/refresh`, fetch: browser }),
      fetch: browser,
      allowedOrigins: [ORIGIN],
      storage: createMemoryStorage(),
      channel: null,
      locks: null,
    })
    client.login({ accessToken: pair.accessToken, refreshToken: pair.refreshToken })
    expect(client.getSnapshot().claims).toMatchObject({ sub: 'user-alice' })

    const fresh = await client.refresh()
    expect(fresh).not.toBe(pair.accessToken)
    const me = await client.fetch(`${ORIGIN}/api/me`)
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ username: 'alice' })
    expect(server.control.counters()).toMatchObject({ logins: 1, refreshes: 1, reuseEvents: 0 })

    // The old refresh token was rotated away: presenting it again is refused.
    expect((await post(browser, '/auth/refresh', JSON.stringify({ refreshToken: pair.refreshToken }))).status).toBe(401)
  })
})

describe('serveHandler from dist/testing-node.mjs', () => {
  it('serves the handler over HTTP', async () => {
    const served = await serveHandler(createAuthServer({ passwordIterations: 1000 }).handler)
    try {
      const response = await post(fetch, `${served.url}/auth/login`, credentials)
      expect(response.status).toBe(200)
      expect(await response.json()).toHaveProperty('accessToken')
    } finally {
      await served.close()
    }
  })
})
