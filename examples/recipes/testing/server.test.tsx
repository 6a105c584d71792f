// server.test.tsx — the real client against the reference server, in process (needs jose)
import { createAuthClient, restRefresh } from 'jwt-tab-session'
import { createMemoryStorage } from 'jwt-tab-session/testing'
import { createAuthServer, createBrowserFetch } from 'jwt-tab-session/testing/server'
import { expect, it } from 'vitest'

it('replays a request refused with 401 after exactly one refresh', async () => {
  const server = createAuthServer({ passwordIterations: 1000 }) // fast hashing for tests
  const browser = createBrowserFetch(server.handler, { origin: 'http://localhost:3000' }) // keeps cookies like a browser
  const auth = createAuthClient({
    refresh: restRefresh({ url: 'http://localhost:3000/auth/refresh', fetch: browser }),
    fetch: browser,
    allowedOrigins: ['http://localhost:3000'],
    storage: createMemoryStorage(),
    channel: null, // one tab
    locks: null,
  })
  const response = await browser('/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
  })
  auth.login(await response.json())

  server.control.revokeAccessToken(auth.getSnapshot().accessToken!)
  const me = await auth.fetch('http://localhost:3000/api/me')
  expect(me.status).toBe(200)
  expect(server.control.counters().refreshes).toBe(1)
})
