import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuthError } from '../../../src/core/errors'
import { HASURA_NAMESPACE } from '../../../src/core/hasura'
import { hasuraRole } from '../../../src/parts/hasuraRole'
import type { TokenPair } from '../../../src/core/tokens'
import { createMemoryStorage, createTestJwt } from '../../../src/testing'
import { T0, useFakeClock } from '../../support/session'
import { setup, storedSession } from './setup'

beforeEach(() => useFakeClock())
afterEach(() => vi.useRealTimers())

const stored = (accessToken: string, refreshToken: string | null = 'rt-stored') => storedSession(accessToken, refreshToken)

describe('login', () => {
  it.each([
    ['not a string', 42],
    ['two parts', 'a.b'],
    ['undecodable', 'a.b.c'],
    ['no exp', createTestJwt({ exp: undefined })],
    ['string exp', createTestJwt({ exp: '9999999999' })],
    ['expired', createTestJwt({}, { expiresIn: -10 })],
  ])('rejects a token that is %s with invalid_token and leaves state unchanged', (_label, accessToken) => {
    const { client, storage } = setup()
    const before = client.getSnapshot()
    expect(() => client.login({ accessToken: accessToken as string })).toThrow(expect.objectContaining({ code: 'invalid_token' }))
    expect(client.getSnapshot()).toBe(before)
    expect(storage.getItem('jwt-session')).toBeNull()
  })

  it('stores the pair under the namespaced key and exposes claims and expiry', () => {
    const { client, storage, tokens } = setup({ storageKey: 'my-app' })
    const pair = tokens(900)
    client.login(pair)
    expect(JSON.parse(storage.getItem('my-app')!)).toMatchObject({ v: 2, ...pair })
    expect(client.getSnapshot()).toMatchObject({
      status: 'authenticated',
      accessToken: pair.accessToken,
      claims: { sub: 'user-1' },
      expiresAt: Date.now() + 900_000,
      error: null,
    })
  })

  it('supports cookie mode: no refresh token stored, refresh called with null', async () => {
    const { client, storage, refresh } = setup()
    client.login({ accessToken: createTestJwt() })
    expect(JSON.parse(storage.getItem('jwt-session')!).refreshToken).toBeNull()
    await client.refresh()
    expect(refresh.mock.calls[0]![0]).toMatchObject({ refreshToken: null })
  })
})

describe('snapshot', () => {
  it('tells logged_in before the refresh it plans', () => {
    const { client, tokens, events } = setup()
    client.start()
    client.login(tokens())
    expect(events.map((e) => e.type)).toEqual(['logged_in', 'refresh_scheduled'])
    client.stop()
  })

  it('keeps the same object until something in it changes', async () => {
    const { client, tokens } = setup()
    client.login(tokens())
    const first = client.getSnapshot()
    client.start()
    expect(client.getSnapshot()).toBe(first)
    await client.refresh()
    expect(client.getSnapshot()).not.toBe(first)
    client.stop()
  })

  it('notifies subscribers once per change and stops after unsubscribe', () => {
    const { client, tokens } = setup()
    const listener = vi.fn()
    const unsubscribe = client.subscribe(listener)
    client.login(tokens())
    expect(listener).toHaveBeenCalledTimes(1)
    unsubscribe()
    void client.logout()
    expect(listener).toHaveBeenCalledTimes(1)
  })
})

describe('start-up from storage', () => {
  it('restores a valid stored session as authenticated on the first read', () => {
    const storage = createMemoryStorage({ 'jwt-session': stored(createTestJwt({ sub: 'kim' })) })
    const { client, refresh } = setup({ storage })
    expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', claims: { sub: 'kim' } })
    expect(refresh).not.toHaveBeenCalled()
  })

  it('holds events raised by the first read (often a React render) until start', () => {
    const storage = createMemoryStorage({ 'jwt-session': stored(createTestJwt()) })
    const { client, events } = setup({ storage })
    client.getSnapshot()
    expect(events).toEqual([])
    client.start()
    expect(events.map((e) => e.type)).toEqual(['session_restored', 'refresh_scheduled'])
    client.stop()
  })

  it('only reads while React renders: the first read writes nothing, opens nothing, and the parts hear of the session at start', async () => {
    const claims = { sub: 'kim', [HASURA_NAMESPACE]: { 'x-hasura-default-role': 'user', 'x-hasura-allowed-roles': ['user', 'editor'] } }
    const storage = createMemoryStorage({
      'jwt-session': stored(createTestJwt(claims)),
      'jwt-session:role': JSON.stringify({ sessionId: 'stored', role: 'editor', at: T0 }),
    })
    const writes = vi.spyOn(storage, 'setItem')
    const removals = vi.spyOn(storage, 'removeItem')
    const channel = vi.fn(() => null)
    const { client } = setup({ storage, channel, role: hasuraRole() })
    expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', role: null })
    expect([writes.mock.calls, removals.mock.calls, channel.mock.calls]).toEqual([[], [], []])
    // A request before start (a route loader) still runs as the stored role, looked up on use.
    expect(await client.getAuthHeaders()).toMatchObject({ 'x-hasura-role': 'editor' })
    client.start()
    expect(client.getSnapshot().role).toBe('editor')
    client.stop()
  })

  it('refreshes an expired stored access token at once on start', async () => {
    const storage = createMemoryStorage({ 'jwt-session': stored(createTestJwt({}, { expiresIn: 60 })) })
    vi.setSystemTime(Date.now() + 120_000)
    const { client, refresh } = setup({ storage })
    expect(client.getSnapshot().status).toBe('initializing')
    client.start()
    client.stop()
    client.start() // StrictMode's second mount shares the first refresh
    await vi.advanceTimersByTimeAsync(0)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(refresh.mock.calls[0]![0]).toMatchObject({ refreshToken: 'rt-stored' })
    expect(client.getSnapshot().status).toBe('authenticated')
    client.stop()
  })

  it('clears corrupt or foreign values and never throws (fuzz, 300 strings)', () => {
    const valid = stored(createTestJwt())
    const arbitraryValue = fc.oneof(
      fc.string(),
      fc.json(),
      fc.constantFrom('null', '{}', '[]', '{"v":1}', valid.replace('"v":1', '"v":2'), valid.slice(0, -5)),
      fc
        .record({ v: fc.constant(1), accessToken: fc.string(), refreshToken: fc.string(), skew: fc.double(), receivedAt: fc.double() })
        .map((o) => JSON.stringify(o)),
    )
    fc.assert(
      fc.property(arbitraryValue, (value) => {
        fc.pre(value !== valid)
        const storage = createMemoryStorage({ 'jwt-session': value })
        const { client } = setup({ storage })
        const snapshot = client.getSnapshot()
        expect(snapshot.status).toBe('unauthenticated')
        expect(storage.getItem('jwt-session')).toBeNull()
      }),
      { numRuns: 300 },
    )
  })
})

describe('storage failures', () => {
  it('falls back to memory when setItem throws and never writes to localStorage', async () => {
    const localSet = vi.spyOn(Storage.prototype, 'setItem') // any real Storage: localStorage included
    const broken = createMemoryStorage()
    broken.setItem = () => {
      throw new DOMException('quota', 'QuotaExceededError')
    }
    const { client, events, tokens, refresh } = setup({ storage: broken })
    client.login(tokens())
    client.start()
    expect(client.getSnapshot().status).toBe('authenticated')
    expect(events).toContainEqual({ type: 'storage_unavailable', error: expect.objectContaining({ code: 'storage_unavailable' }) })
    await client.refresh()
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(await client.getAccessToken()).toBe(client.getSnapshot().accessToken)
    await client.logout()
    expect(localSet).not.toHaveBeenCalled()
    expect(window.localStorage.length).toBe(0)
    client.stop()
  })

  it('falls back to memory when merely touching sessionStorage throws', () => {
    const { client, events, tokens } = setup({ storage: undefined })
    vi.spyOn(window, 'sessionStorage', 'get').mockImplementation(() => {
      throw new DOMException('blocked', 'SecurityError')
    })
    client.login(tokens())
    expect(client.getSnapshot().status).toBe('authenticated')
    expect(events.filter((e) => e.type === 'storage_unavailable')).toHaveLength(1)
  })
})

describe('lifecycle', () => {
  it('does nothing before start and leaves zero timers and listeners after the last stop', () => {
    const { client, tokens } = setup({ wakeEvents: undefined })
    client.login(tokens())
    expect(vi.getTimerCount()).toBe(0)
    client.start()
    client.start()
    expect(vi.getTimerCount()).toBe(1)
    client.stop()
    expect(vi.getTimerCount()).toBe(1)
    client.stop()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('removes every page listener it added', () => {
    const spies = [window, document].flatMap((target) => [vi.spyOn(target, 'addEventListener'), vi.spyOn(target, 'removeEventListener')])
    const { client, tokens } = setup({ wakeEvents: undefined })
    client.login(tokens())
    client.start()
    const [windowAdds, , documentAdds] = spies.map((spy) => spy.mock.calls.map((call) => call[0]))
    expect(windowAdds).toEqual(['online', 'pagehide', 'pageshow'])
    expect(documentAdds).toEqual(['visibilitychange'])
    client.stop()
    const [, windowRemoves, , documentRemoves] = spies.map((spy) => spy.mock.calls.map((call) => call[0]))
    expect(windowRemoves).toEqual(['online', 'pagehide', 'pageshow'])
    expect(documentRemoves).toEqual(['visibilitychange'])
  })
})

describe('no token leaks', () => {
  it('never puts a token in an event or an error, across every flow', async () => {
    const { client, events, refresh, tokens } = setup({ expiresIn: 60 })
    const issued: string[] = []
    client.subscribe(() => issued.push(client.getSnapshot().accessToken ?? ''))
    const errors: unknown[] = []
    client.login(tokens(60))
    client.start()
    refresh.mockRejectedValueOnce(Object.assign(new Error(`boom ${client.getSnapshot().accessToken}`), { status: 503 }))
    await vi.advanceTimersByTimeAsync(40_000)
    refresh.mockRejectedValueOnce(new AuthError('refresh_rejected', 'gone'))
    await client.refresh().catch((error) => errors.push(error))
    try {
      client.login({ accessToken: 'x.y.z', refreshToken: 'secret-refresh' })
    } catch (error) {
      errors.push(error)
    }
    await client.logout()
    client.stop()
    const seen = [...events, ...errors, ...events.map((e) => ('error' in e ? e.error : null))]
    const text = JSON.stringify(seen, (_k, v) => (v instanceof Error ? { message: v.message, code: (v as AuthError).code } : v))
    const secrets = ['rt-0', 'rt-1', 'secret-refresh', 'x.y.z', ...issued.filter(Boolean)]
    expect(issued.filter(Boolean).length).toBeGreaterThanOrEqual(1)
    for (const token of secrets) {
      expect(text).not.toContain(token)
    }
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['refresh_failed', 'logged_out']))
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
