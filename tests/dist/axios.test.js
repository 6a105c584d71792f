// @vitest-environment node
// attachAxios from dist/axios.mjs on a real axios instance, against the reference server from dist/.
import axios from 'axios'
import { describe, expect, it } from 'vitest'
import { attachAxios } from 'jwt-tab-session/axios'
import { createAuthClient, restRefresh } from 'jwt-tab-session/core'
import { createAuthServer, createBrowserFetch } from 'jwt-tab-session/testing/server'

const ORIGIN = 'http://localhost'

describe('attachAxios from dist/axios.mjs', () => {
  it('5 parallel requests refused with 401: one refresh, each replayed once with the new token', async () => {
    const server = createAuthServer({ passwordIterations: 1000 })
    const browser = createBrowserFetch(server.handler, { origin: ORIGIN })
    const auth = createAuthClient({
      refresh: restRefresh({ url: `${ORIGIN}/auth/refresh`, fetch: browser }),
      allowedOrigins: [ORIGIN],
      storage: null,
      channel: null,
      locks: null,
    })
    const login = await browser('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
    })
    const pair = await login.json()
    auth.login(pair)
    server.control.revokeAccessToken(pair.accessToken)

    // The transport is a plain fetch to the server: only the interceptors add the token.
    const api = axios.create({ baseURL: ORIGIN, adapter: 'fetch', env: { fetch: browser } })
    const detach = attachAxios(auth, api, { allowedOrigins: [ORIGIN] })
    const answers = await Promise.all(Array.from({ length: 5 }, () => api.get('/api/me')))

    expect(answers.map((a) => a.data.username)).toEqual(Array(5).fill('alice'))
    expect(server.control.counters()).toMatchObject({ refreshes: 1, unauthorized: 5 })
    detach()
    await expect(api.get('/api/me')).rejects.toMatchObject({ response: { status: 401 } })
  })
})
