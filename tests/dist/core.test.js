/* global Headers, Response -- Node and jsdom globals */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuthError as MainAuthError } from 'jwt-tab-session'
import { AuthError, isAuthError } from 'jwt-tab-session/core'
import { createTestJwt } from 'jwt-tab-session/testing'
import { loginPair, standalone, useFakeClock } from './helpers.js'

beforeEach(() => useFakeClock())
afterEach(() => vi.useRealTimers())

const API = 'https://api.example.test'
const bearerOf = (init) => new Headers(init?.headers).get('authorization')

describe('the core from dist/core.mjs', () => {
  it('logs in, shares one refresh among concurrent callers, and logs out', async () => {
    const { client, refresh, revoke, storage } = standalone()
    client.start()
    const pair = loginPair()
    client.login(pair)
    expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair.accessToken, claims: { sub: 'user-1' } })
    expect(storage.length).toBe(1)

    const tokens = await Promise.all([client.refresh(), client.refresh(), client.refresh()])
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(refresh.mock.calls[0][0]).toMatchObject({ refreshToken: 'rt-0', accessToken: pair.accessToken })
    expect(new Set(tokens).size).toBe(1)
    expect(client.getSnapshot().accessToken).toBe(tokens[0])
    expect(tokens[0]).not.toBe(pair.accessToken)

    await client.logout()
    expect(client.getSnapshot()).toMatchObject({ status: 'unauthenticated', accessToken: null, claims: null })
    expect(storage.length).toBe(0)
    expect(revoke).toHaveBeenCalledWith(expect.objectContaining({ refreshToken: 'rt-1', everywhere: false }))
    client.stop()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('refreshes silently before exp, once', async () => {
    const { client, refresh } = standalone()
    client.start()
    client.login(loginPair())
    // 900 s token, 60 s lead, jitter 0.5: due 825 s after login.
    await vi.advanceTimersByTimeAsync(824_000)
    expect(refresh).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1_100)
    expect(refresh).toHaveBeenCalledTimes(1)
    client.stop()
  })

  it('refuses a malformed token with AuthError invalid_token, one class across entries', () => {
    const { client } = standalone()
    let error
    try {
      client.login({ accessToken: 'not-a-jwt', refreshToken: 'rt-0' })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(AuthError)
    expect(isAuthError(error)).toBe(true)
    expect(error.code).toBe('invalid_token')
    expect(MainAuthError).toBe(AuthError) // '.' and './core' share one chunk, not two copies
    expect(client.getSnapshot().status).toBe('unauthenticated')
  })
})

describe('client.fetch from dist/core.mjs', () => {
  it('answers a 401 with one refresh shared by concurrent requests, then replays each once', async () => {
    const valid = new Set()
    const api = vi.fn(async (_input, init) => {
      const token = bearerOf(init)?.slice(7)
      return valid.has(token) ? Response.json({ ok: true }) : Response.json({ error: 'invalid_token' }, { status: 401 })
    })
    const { client, refresh } = standalone({
      refresh: vi.fn(async () => {
        const accessToken = createTestJwt({ sub: 'user-1' })
        valid.add(accessToken)
        return { accessToken, refreshToken: 'rt-1' }
      }),
      fetch: api,
      allowedOrigins: [API],
    })
    const stale = loginPair()
    client.login(stale) // valid for the client, revoked for the server
    const { fetch } = client

    const responses = await Promise.all([1, 2, 3].map((n) => fetch(`${API}/todos/${n}`, { headers: { accept: 'application/json' } })))

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200])
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(api).toHaveBeenCalledTimes(6)
    const fresh = client.getSnapshot().accessToken
    expect(api.mock.calls.map(([, init]) => bearerOf(init))).toEqual([...Array(3).fill(`Bearer ${stale.accessToken}`), ...Array(3).fill(`Bearer ${fresh}`)])
    expect(new Headers(api.mock.calls[3][1].headers).get('accept')).toBe('application/json')
  })

  it('sends no token to an origin that is not allowed', async () => {
    const api = vi.fn(async () => new Response('ok'))
    const { client } = standalone({ fetch: api, allowedOrigins: [API] })
    client.login(loginPair())
    await client.fetch('https://elsewhere.example.test/data')
    expect(bearerOf(api.mock.calls[0][1])).toBeNull()
  })
})
