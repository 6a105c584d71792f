// Session integrity under the races ordinary browsers produce: each test names the defect it pins.
// A strict rotating server (tabs.ts) counts every reuse of a refresh token; the promise is 0.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuthError } from '../../../src/core/errors'
import type { TokenPair } from '../../../src/core'
import { createMemoryStorage, createTestJwt } from '../../../src/testing'
import { createLockManager } from '../../../src/testing/tabHarness'
import { readClaims, T0, useFakeClock } from '../../support/session'
import { setup } from './setup'
import { heldUntilReleased, openTabs, rotatingServer } from './tabs'

beforeEach(() => useFakeClock())
afterEach(() => vi.useRealTimers())

const copyOf = (storage: Storage) => createMemoryStorage({ 'jwt-session': storage.getItem('jwt-session')! })
const subOf = (token: string) => readClaims<{ sub: string }>(token).sub

describe('a tab restored with its own old sessionStorage', () => {
  /** Two tabs share a session; the second closes, and what its sessionStorage held is kept for a restore. */
  async function closeSecondTab() {
    const server = rotatingServer(60)
    const { tabs, open } = openTabs(1, server.refresh)
    tabs[0]!.login(server.loginPair())
    const storage = createMemoryStorage()
    const closing = open({ storage })
    await vi.advanceTimersByTimeAsync(0)
    closing.stop()
    return { server, open, first: tabs[0]!, saved: copyOf(storage) }
  }

  it.each([
    ['still valid', 0],
    ['expired', 61_000],
  ])('adopts the open tabs’ newer pair and never sends its spent refresh token (stored token %s)', async (_label, closedFor) => {
    const { server, open, first, saved } = await closeSecondTab()
    await first.refresh()
    await first.refresh()
    await vi.advanceTimersByTimeAsync(closedFor)

    const restored = open({ storage: saved })
    await vi.advanceTimersByTimeAsync(300)
    expect(restored.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: first.getSnapshot().accessToken })
    await restored.refresh()
    await vi.advanceTimersByTimeAsync(0)
    expect(server.counts.reuse).toBe(0)
    expect(first.getSnapshot().accessToken).toBe(restored.getSnapshot().accessToken)
  })

  it('learns from the open tabs that its session was logged out, without asking the server', async () => {
    const { server, open, first, saved } = await closeSecondTab()
    await first.logout()

    const restored = open({ storage: saved })
    await vi.advanceTimersByTimeAsync(0)
    expect(restored.getSnapshot()).toMatchObject({ status: 'unauthenticated', accessToken: null })
    expect(saved.getItem('jwt-session')).toBeNull()
    expect(server.refresh).not.toHaveBeenCalled()
  })
})

describe('a login while a refresh is in flight', () => {
  it('keeps the new user in the same tab: the late answer for the previous user is dropped', async () => {
    const server = rotatingServer(60)
    const { slow, release } = heldUntilReleased(server.refresh)
    const { tabs } = openTabs(1, slow)
    const [tab] = tabs
    tab!.login(server.loginPair('alice'))
    const refreshing = tab!.refresh().catch((error: AuthError) => error)
    await vi.advanceTimersByTimeAsync(0)
    tab!.login(server.loginPair('bob'))
    release()
    await refreshing
    await vi.advanceTimersByTimeAsync(0)
    expect(tab!.getSnapshot().claims?.sub).toBe('bob')
  })

  it('ends with the new user in every tab when another tab logs in', async () => {
    const server = rotatingServer(60)
    const { slow, release } = heldUntilReleased(server.refresh)
    const { tabs } = openTabs(2, slow)
    tabs[0]!.login(server.loginPair('alice'))
    await vi.advanceTimersByTimeAsync(0)
    const refreshing = tabs[0]!.refresh().catch((error: AuthError) => error)
    await vi.advanceTimersByTimeAsync(0)
    tabs[1]!.login(server.loginPair('bob'))
    await vi.advanceTimersByTimeAsync(0)
    release()
    await refreshing
    await vi.advanceTimersByTimeAsync(1_000)
    expect(tabs.map((tab) => tab.getSnapshot().claims?.sub)).toEqual(['bob', 'bob'])
    expect(new Set(tabs.map((tab) => tab.getSnapshot().sessionId)).size).toBe(1)
  })
})

describe('a 2xx answer the client cannot use', () => {
  it.each([
    ['an access token that is not a JWT', () => ({ accessToken: '<html>', refreshToken: 'rt-1' })],
    ['an access token already expired', () => ({ accessToken: createTestJwt({}, { expiresIn: -5 }), refreshToken: 'rt-1' })],
  ])('ends the session and never sends the spent refresh token again: %s', async (_label, answer) => {
    const { client, refresh, tokens } = setup()
    refresh.mockImplementation(async () => answer())
    client.login(tokens())
    client.start()
    await expect(client.refresh()).rejects.toMatchObject({ code: 'invalid_token' })
    expect(client.getSnapshot()).toMatchObject({ status: 'unauthenticated', error: { code: 'invalid_token' } })
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    await expect(client.refresh()).rejects.toMatchObject({ code: 'unauthenticated' })
    expect(refresh).toHaveBeenCalledTimes(1)
    client.stop()
  })
})

describe('stop() in the middle of a refresh', () => {
  it('still broadcasts the rotated pair, so no other tab reuses the spent token', async () => {
    const server = rotatingServer(60)
    const { slow, release } = heldUntilReleased(server.refresh)
    const { tabs } = openTabs(2, slow)
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    const refreshing = tabs[0]!.refresh()
    await vi.advanceTimersByTimeAsync(0)
    tabs[0]!.stop() // a remount with a new key, a hot reload
    release()
    const rotated = await refreshing
    await vi.advanceTimersByTimeAsync(0)
    expect(tabs[1]!.getSnapshot().accessToken).toBe(rotated)
    await tabs[1]!.refresh()
    expect(server.counts).toEqual({ refreshes: 2, reuse: 0 })
  })

  it('tells the other tabs what a refresh begun after the stop did (a request of the unmounted app got a 401)', async () => {
    const server = rotatingServer(60)
    const { tabs } = openTabs(2, server.refresh)
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    tabs[1]!.stop()
    const rotated = await tabs[1]!.refresh({ staleToken: tabs[1]!.getSnapshot().accessToken! })
    await vi.advanceTimersByTimeAsync(0)
    expect(tabs[0]!.getSnapshot().accessToken).toBe(rotated)
    // And an answer it cannot use ends the session in the open tab too, not only in the stopped one.
    server.refresh.mockResolvedValueOnce({ accessToken: '<html>', refreshToken: 'rt-x' })
    await expect(tabs[1]!.refresh({ staleToken: rotated })).rejects.toMatchObject({ code: 'invalid_token' })
    await vi.advanceTimersByTimeAsync(0)
    expect(tabs.map((tab) => tab.getSnapshot().status)).toEqual(['unauthenticated', 'unauthenticated'])
    expect(server.counts.reuse).toBe(0)
  })
})

describe('a login that ended never returns', () => {
  it('ends it in a tab that missed its end, once that tab brings it back (stopped while the other tab ended it)', async () => {
    const server = rotatingServer(60)
    const { tabs, events } = openTabs(2, server.refresh)
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    tabs[0]!.stop() // an unmounted app hears nothing
    // An answer tab 1 cannot use ends the login there; the server never rotated the token.
    server.refresh.mockResolvedValueOnce({ accessToken: '<html>', refreshToken: 'rt-x' })
    await expect(tabs[1]!.refresh()).rejects.toMatchObject({ code: 'invalid_token' })
    // Both come back in the same moment: tab 0's question goes out before tab 1 listens again, and
    // tab 0, waiting for its own answer, answers tab 1 once its wait is over: with the ended login.
    tabs[1]!.stop()
    tabs[0]!.start()
    tabs[1]!.start()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(server.counts).toEqual({ refreshes: 0, reuse: 0 }) // told before its refresh was due
    expect(tabs.map((tab) => tab.getSnapshot().status)).toEqual(['unauthenticated', 'unauthenticated'])
    expect(events[0]).toContainEqual({ type: 'logged_out', reason: 'user', fromOtherTab: true })
  })
})

describe('order of logins a tab never heard of', () => {
  it('orders a login made in a tab that knew of none after the earlier login held by a tab that slept through it', async () => {
    const server = rotatingServer(600)
    const { tabs, open } = openTabs(2, server.refresh)
    tabs[0]!.login(server.loginPair('user-1'))
    await vi.advanceTimersByTimeAsync(0)
    tabs[0]!.stop()
    tabs[1]!.login(server.loginPair('user-1')) // the second login; the stopped tab hears nothing
    await vi.advanceTimersByTimeAsync(0)
    tabs[1]!.stop() // a frozen or hidden tab: it keeps user-1's session
    await vi.advanceTimersByTimeAsync(30_000)
    const latest = open() // no tab answers it: it knows of no session
    await vi.advanceTimersByTimeAsync(1_000)
    latest.login(server.loginPair('user-2'))
    await vi.advanceTimersByTimeAsync(0)
    tabs[1]!.start() // back: it must take the latest login, not bring user-1 back
    await vi.advanceTimersByTimeAsync(1_000)
    expect([tabs[1]!, latest].map((tab) => tab.getSnapshot().claims?.sub)).toEqual(['user-2', 'user-2'])
  })
})

describe('exactly once, without a timing guess', () => {
  it.each([26, 250])('refreshes once across 3 tabs when the broadcast trails the lock hand-over by %i ms', async (latency) => {
    const server = rotatingServer(60)
    const { tabs } = openTabs(3, server.refresh, latency)
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(latency)
    const all = Promise.all(tabs.map((tab) => tab.refresh()))
    await vi.advanceTimersByTimeAsync(latency * 4)
    const tokens = await all
    expect(server.counts).toEqual({ refreshes: 1, reuse: 0 })
    expect(new Set(tokens).size).toBe(1)
  })
})

describe('order of sessions', () => {
  it('takes a rotation whose iat is older than the last one (a server clock stepped back)', async () => {
    const server = rotatingServer(60)
    const { tabs } = openTabs(2, server.refresh)
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    server.clock.iatShift = -30_000
    const rotated = await tabs[0]!.refresh()
    await vi.advanceTimersByTimeAsync(0)
    expect(tabs[1]!.getSnapshot().accessToken).toBe(rotated)
    await tabs[1]!.refresh()
    expect(server.counts.reuse).toBe(0)
  })
})

describe('one cooldown for every path during a refresh outage', () => {
  function outage() {
    const api = vi.fn(async () => new Response('', { status: 401 }))
    const context = setup({ fetch: api as typeof fetch, allowedOrigins: ['https://api.example.com'] })
    context.refresh.mockRejectedValue(Object.assign(new Error('down'), { status: 503 }))
    context.client.login(context.tokens())
    context.client.start()
    return { ...context, api }
  }

  it('sends one refresh request for 50 sequential 401s', async () => {
    const { client, refresh } = outage()
    for (let i = 0; i < 50; i++) await client.fetch('https://api.example.com/data').catch(() => {})
    expect(refresh).toHaveBeenCalledTimes(1)
    client.stop()
  })

  it('sends none for 50 wake-ups and 20 refresh() calls inside the backoff', async () => {
    const { client, refresh, wake } = outage()
    await client.refresh().catch(() => {})
    for (let i = 0; i < 50; i++) wake()
    for (let i = 0; i < 20; i++) await expect(client.refresh()).rejects.toMatchObject({ code: 'refresh_failed' })
    await vi.advanceTimersByTimeAsync(0)
    expect(refresh).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1_000) // the first backoff step is 0.5–1 s
    expect(refresh).toHaveBeenCalledTimes(2)
    client.stop()
  })
})

describe('a request composed for one user', () => {
  function api() {
    const users: string[] = []
    const fetch = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
      users.push(subOf((init?.headers as Record<string, string>).Authorization!.slice('Bearer '.length)))
      return new Response('', { status: 401 })
    })
    return { users, options: { fetch: fetch as typeof globalThis.fetch, allowedOrigins: ['https://api.example.com'] } }
  }

  it.each([
    ['in the same tab', 0],
    ['in another tab', 1],
  ])('is never replayed under another: a login %s during its refresh rejects it with session_changed', async (_label, loginTab) => {
    const server = rotatingServer(60)
    const { slow, release } = heldUntilReleased(server.refresh)
    const { users, options } = api()
    const { open } = openTabs(0, slow)
    const tabs = [open(options), open(options)]
    tabs[0]!.login(server.loginPair('alice'))
    await vi.advanceTimersByTimeAsync(300)
    const posting = tabs[0]!.fetch('https://api.example.com/orders', { method: 'POST', body: '{}' }).catch((error: AuthError) => error)
    await vi.advanceTimersByTimeAsync(0)
    tabs[loginTab]!.login(server.loginPair('bob'))
    release()
    expect(await posting).toMatchObject({ code: 'session_changed' })
    expect(users).toEqual(['alice'])
  })
})

describe('a stuck lock holder', () => {
  it('is taken over after refreshTimeout + 2 s, with exactly one refresh', async () => {
    const server = rotatingServer(60)
    const { tabs, harness } = openTabs(1, server.refresh)
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(300)
    const { sessionId } = tabs[0]!.getSnapshot()
    // A frozen tab holds this generation's refresh lock and never lets go.
    harness.locks.request(`jwt-session:jwt-session:refresh:${sessionId}:0`, {}, () => new Promise(() => {})).catch(() => {})
    const refreshing = tabs[0]!.refresh()
    await vi.advanceTimersByTimeAsync(16_999)
    expect(server.refresh).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    await refreshing
    expect(server.counts).toEqual({ refreshes: 1, reuse: 0 })
  })

  it('never re-sends a token after waking up to find its lock taken over and the generation rotated', async () => {
    const server = rotatingServer(60)
    const { open } = openTabs(0, server.refresh)
    let frozenSends = 0
    let answerFrozen!: () => void
    // Stands for a tab frozen with its request out: the answer (a 503, nothing spent) comes late.
    const stuck = open({
      refreshTimeout: 60_000,
      refresh: () => {
        frozenSends++
        return new Promise<TokenPair>(
          (_resolve, reject) => (answerFrozen = () => reject(Object.assign(new Error('busy'), { status: 503 }))),
        )
      },
    })
    const taker = open({ refreshTimeout: 5_000 })
    stuck.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(300)
    const stuckRefresh = stuck.refresh().catch((error: AuthError) => error)
    await vi.advanceTimersByTimeAsync(0)
    const takeover = taker.refresh()
    await vi.advanceTimersByTimeAsync(7_000) // refreshTimeout + 2 s
    const rotated = await takeover
    answerFrozen()
    await stuckRefresh
    await vi.advanceTimersByTimeAsync(0)
    expect(stuck.getSnapshot().accessToken).toBe(rotated)
    expect(frozenSends).toBe(1)
    expect(server.counts).toEqual({ refreshes: 1, reuse: 0 })
  })

  it('works like no Web Locks at all when navigator.locks is present but failing', async () => {
    const failing = createLockManager()
    failing.request = () => Promise.reject(new DOMException('The request is not allowed.', 'SecurityError'))
    const { client, refresh, tokens } = setup({ locks: failing })
    client.login(tokens())
    await client.refresh()
    await client.refresh()
    expect(refresh).toHaveBeenCalledTimes(2)
  })
})

describe('the back/forward cache', () => {
  it('signs a restored page out when another page of the tab logged out meanwhile', async () => {
    const { client, tokens, storage, wake } = setup()
    client.login(tokens())
    client.start()
    storage.removeItem('jwt-session') // the later page logged out, quietly
    wake('restored')
    expect(client.getSnapshot()).toMatchObject({ status: 'unauthenticated', accessToken: null })
    expect(await client.getAccessToken()).toBeNull()
    client.stop()
  })
})

describe('bad input', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['an exp in milliseconds', { accessToken: createTestJwt({ exp: T0 + 900_000 }), refreshToken: 'rt' }],
    ['an access token with CR/LF', { accessToken: `${createTestJwt()}\r\nX-Evil: 1`, refreshToken: 'rt' }],
    ['a refresh token with CR/LF', { accessToken: createTestJwt(), refreshToken: 'rt\r\nX-Evil: 1' }],
    ['a 20 KB access token', { accessToken: createTestJwt({ pad: 'x'.repeat(20_000) }), refreshToken: 'rt' }],
  ])('refuses %s with invalid_token and changes nothing', (_label, pair) => {
    const { client } = setup()
    const before = client.getSnapshot()
    let caught: unknown
    try {
      client.login(pair as TokenPair)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(AuthError)
    expect(caught).toMatchObject({ code: 'invalid_token' })
    expect(String((caught as Error).message)).not.toMatch(/eyJ|Evil/)
    expect(client.getSnapshot()).toBe(before)
  })

  it('logs in with a client clock two days fast, scheduling by the token’s own iat', () => {
    const { client } = setup()
    const serverNow = Date.now()
    vi.setSystemTime(serverNow + 2 * 24 * 3600_000)
    client.login({ accessToken: createTestJwt({}, { now: serverNow, expiresIn: 900 }), refreshToken: 'rt' })
    expect(client.getSnapshot().expiresAt).toBe(Date.now() + 900_000)
  })

  it('keeps only safe fields of a foreign cause: never its message', () => {
    const foreign = Object.assign(new Error('Request failed: {"refreshToken":"secret-rt"}'), {
      status: 502,
      code: 'ERR_BAD_RESPONSE',
      config: { data: 'secret-rt' },
    })
    const error = new AuthError('refresh_failed', 'Refresh failed.', { cause: foreign })
    expect(error.cause).toEqual({ name: 'Error', status: 502, code: 'ERR_BAD_RESPONSE' })
    expect(JSON.stringify(error.cause)).not.toContain('secret')
  })

  it('settles getAccessToken that waits for the other tabs when the client stops meanwhile', async () => {
    const server = rotatingServer(60)
    const { open } = openTabs(0, server.refresh)
    const client = open()
    const waiting = client.getAccessToken()
    client.stop()
    expect(await waiting).toBeNull()
  })
})

describe('plain http', () => {
  it('refuses a Bearer origin or an auth URL on http to another host, unless allowed for development', async () => {
    const { restRefresh } = await import('../../../src/core/adapters')
    const insecure = { code: 'insecure_origin' }
    expect(() => setup({ allowedOrigins: ['http://api.example.com'] })).toThrow(expect.objectContaining(insecure))
    expect(() => restRefresh({ url: 'http://auth.example.com/refresh' })).toThrow(expect.objectContaining(insecure))
    expect(() => setup({ allowedOrigins: ['http://api.example.com'], allowInsecureHttp: true })).not.toThrow()
    for (const local of ['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:5173', 'http://app.localhost']) {
      expect(() => setup({ allowedOrigins: [local] })).not.toThrow()
    }
  })
})

describe('a restored tab whose copy is up to date', () => {
  it('stops waiting at the first answer that holds the same session', async () => {
    const server = rotatingServer(60)
    const { tabs, open } = openTabs(1, server.refresh)
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    const storage = createMemoryStorage()
    const second = open({ storage })
    await vi.advanceTimersByTimeAsync(0)
    second.stop()
    const restored = open({ storage: copyOf(storage) })
    const refreshed = restored.refresh()
    await vi.advanceTimersByTimeAsync(0) // the open tab answers at once; no 300 ms wait
    await refreshed
    expect(server.refresh).toHaveBeenCalledTimes(1)
  })
})
