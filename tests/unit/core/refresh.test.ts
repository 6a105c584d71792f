import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuthError } from '../../../src/core/errors'
import { createTestJwt } from '../../../src/testing/jwt'
import { readClaims, T0, useFakeClock } from '../../support/session'
import { setup } from './setup'
import { heldUntilReleased, openTabs, rotatingServer } from './tabs'

beforeEach(() => useFakeClock())
afterEach(() => vi.useRealTimers())

describe('single flight', () => {
  it('sends exactly one refresh request for 50 concurrent refresh() calls', async () => {
    const { client, refresh, tokens } = setup()
    client.login(tokens())
    const results = await Promise.all(Array.from({ length: 50 }, () => client.refresh()))
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(new Set(results).size).toBe(1)
    expect(client.getSnapshot().accessToken).toBe(results[0])
  })

  it('does not refresh again for a caller holding a token that was already replaced', async () => {
    const { client, refresh, tokens } = setup()
    client.login(tokens())
    const stale = client.getSnapshot().accessToken!
    const fresh = await client.refresh({ staleToken: stale })
    expect(await client.refresh({ staleToken: stale })).toBe(fresh)
    expect(refresh).toHaveBeenCalledTimes(1)
  })
})

it('lets an onEvent listener call auth.fetch on refresh_succeeded: it gets the new token, no deadlock, no second refresh', async () => {
  const sent: string[] = []
  const fetch = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
    sent.push((init?.headers as Record<string, string>).Authorization!)
    return new Response('{}', { status: 200 })
  })
  let replies: Promise<Response>[] = []
  const { client, refresh, tokens } = setup({
    fetch: fetch as typeof globalThis.fetch,
    allowedOrigins: ['https://api.example.com'],
    onEvent: (event) => {
      if (event.type === 'refresh_succeeded') replies.push(client.fetch('https://api.example.com/me'))
    },
  })
  client.login(tokens())
  client.start()
  const fresh = await client.refresh()
  await Promise.all(replies)
  expect(sent).toEqual([`Bearer ${fresh}`])
  expect(refresh).toHaveBeenCalledTimes(1)
  replies = []
  client.stop()
})

describe('silent refresh timing', () => {
  it.each([
    ['10 s', 10],
    ['15 min', 15 * 60],
    ['30 days', 30 * 24 * 3600],
  ])('refreshes a %s token once, before it expires', async (_label, seconds) => {
    const { client, refresh, tokens } = setup({ expiresIn: seconds })
    client.login(tokens(seconds))
    client.start()
    const expiresAt = client.getSnapshot().expiresAt!
    await vi.advanceTimersByTimeAsync(expiresAt - Date.now() - 1)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(client.getSnapshot().status).toBe('authenticated')
    expect(client.getSnapshot().expiresAt).toBeGreaterThan(expiresAt)
    client.stop()
  })

  it('does not fire a 30-day token at once (no 32-bit timer overflow)', async () => {
    const { client, refresh, tokens } = setup({ expiresIn: 30 * 24 * 3600 })
    client.login(tokens())
    client.start()
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000)
    expect(refresh).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(1)
    client.stop()
  })

  it('refreshes a 10 s token at roughly two thirds of its life, not in a loop', async () => {
    const { client, refresh, tokens } = setup({ expiresIn: 10 })
    client.login(tokens(10))
    client.start()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(refresh).toHaveBeenCalledTimes(0)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(refresh).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(60_000)
    // Lead clamped to a third of the life (3.3 s) plus half-jitter: 5.83 s after `iat`, which is
    // the issuing second rounded down; over 67 s that is 13 refreshes, never a loop.
    expect(refresh).toHaveBeenCalledTimes(13)
    client.stop()
  })

  it('notices a timer that fired late after a 2 h sleep and refreshes exactly once', async () => {
    const { client, refresh, tokens } = setup()
    client.login(tokens())
    client.start()
    // The machine sleeps: the wall clock jumps, timers did not run meanwhile.
    vi.setSystemTime(Date.now() + 2 * 60 * 60 * 1000)
    expect(refresh).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(30_000)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(client.getSnapshot().expiresAt).toBeGreaterThan(Date.now())
    await vi.advanceTimersByTimeAsync(60_000)
    expect(refresh).toHaveBeenCalledTimes(1)
    client.stop()
  })

  it('checks at once when the page wakes (visible, online, pageshow)', async () => {
    const { client, refresh, tokens, wake } = setup()
    client.login(tokens())
    client.start()
    vi.setSystemTime(Date.now() + 20 * 60 * 1000)
    wake()
    await vi.advanceTimersByTimeAsync(0)
    expect(refresh).toHaveBeenCalledTimes(1)
    client.stop()
  })

  it.each([
    ['fast', 60 * 60 * 1000],
    ['slow', -60 * 60 * 1000],
  ])('schedules against server time when the client clock is one hour %s', async (_label, offset) => {
    const { client, refresh, tokens } = setup()
    const serverNow = Date.now()
    const pair = tokens(900) // issued by the server at serverNow
    vi.setSystemTime(serverNow + offset)
    client.login(pair)
    client.start()
    expect(client.getSnapshot().expiresAt! - Date.now()).toBe(900_000)
    await vi.advanceTimersByTimeAsync(800_000)
    expect(refresh).toHaveBeenCalledTimes(0)
    await vi.advanceTimersByTimeAsync(100_000 - 1)
    expect(refresh).toHaveBeenCalledTimes(1)
    client.stop()
  })

  it('ignores the sub-second noise of iat, so exp is never pushed later than the server says', () => {
    const { client, tokens } = setup()
    const pair = tokens(900) // iat = the current second, exp = iat + 900
    vi.setSystemTime(Date.now() + 800) // the answer arrived 0.8 s into that second
    client.login(pair)
    const { exp } = readClaims<{ exp: number }>(pair.accessToken)
    expect(client.getSnapshot().expiresAt).toBe(exp * 1000)
  })
})

describe('failures', () => {
  it('keeps the session through 50 failed attempts with 5xx, bounded by backoff, then recovers', async () => {
    const { client, refresh, tokens } = setup({ expiresIn: 60 })
    refresh.mockRejectedValue(Object.assign(new Error('Service Unavailable'), { status: 503 }))
    client.login(tokens(60))
    client.start()
    while (refresh.mock.calls.length < 50) await vi.advanceTimersByTimeAsync(1_000)
    const elapsed = Date.now() - T0
    // Capped exponential backoff: after the first few steps, at most one attempt per 30–60 s.
    expect(elapsed).toBeGreaterThan(40 * 30_000)
    expect(client.getSnapshot().status).toBe('authenticated')
    expect(client.getSnapshot().error?.code).toBe('refresh_failed')
    refresh.mockReset().mockResolvedValue(tokens(60))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', error: null })
    client.stop()
  })

  it('retries when its backoff ends, not earlier when the network comes back', async () => {
    const { client, refresh, tokens, wake } = setup({ expiresIn: 60 })
    const succeed = refresh.getMockImplementation()!
    refresh.mockRejectedValue(new TypeError('Failed to fetch'))
    client.login(tokens(60))
    client.start()
    await vi.advanceTimersByTimeAsync(35_500) // first attempt at 35 s; the backoff waits 750 ms
    expect(refresh).toHaveBeenCalledTimes(1)
    refresh.mockImplementation(succeed)
    wake()
    await vi.advanceTimersByTimeAsync(0)
    expect(refresh).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(250)
    expect(refresh).toHaveBeenCalledTimes(2)
    expect(client.getSnapshot().error).toBeNull()
    client.stop()
  })

  it('logs out with refresh_rejected when the server answers 401 after expiry', async () => {
    const { client, refresh, tokens, storage, events } = setup({ expiresIn: 60 })
    refresh.mockRejectedValue(Object.assign(new Error('Unauthorized'), { status: 401 }))
    client.login(tokens(60))
    client.start()
    await vi.advanceTimersByTimeAsync(61_000)
    expect(client.getSnapshot()).toMatchObject({ status: 'unauthenticated', accessToken: null })
    expect(client.getSnapshot().error?.code).toBe('refresh_rejected')
    expect(storage.getItem('jwt-session')).toBeNull()
    expect(events).toContainEqual({ type: 'logged_out', reason: 'refresh_rejected', fromOtherTab: false })
    expect(refresh).toHaveBeenCalledTimes(1)
    client.stop()
  })

  it('keeps a still-valid token after an early rejection and ends the session at expiry', async () => {
    const { client, refresh, tokens } = setup({ expiresIn: 60 })
    refresh.mockRejectedValue(new AuthError('refresh_rejected', 'revoked'))
    client.login(tokens(60))
    client.start()
    await vi.advanceTimersByTimeAsync(45_000)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(client.getSnapshot().status).toBe('authenticated')
    expect(await client.getAccessToken()).toBe(client.getSnapshot().accessToken)
    await vi.advanceTimersByTimeAsync(15_000)
    expect(client.getSnapshot().status).toBe('unauthenticated')
    expect(client.getSnapshot().error?.code).toBe('refresh_rejected')
    expect(refresh).toHaveBeenCalledTimes(1)
    client.stop()
  })

  it('aborts a refresh that hangs and treats it as transient', async () => {
    let signal: AbortSignal | undefined
    const { client, refresh, tokens } = setup({ expiresIn: 60, refreshTimeout: 5_000 })
    refresh.mockImplementationOnce(({ signal: s }) => ((signal = s), new Promise<never>(() => {})))
    client.login(tokens(60))
    const pending = expect(client.refresh()).rejects.toMatchObject({ code: 'refresh_failed' })
    await vi.advanceTimersByTimeAsync(5_000)
    await pending
    expect(signal?.aborted).toBe(true)
    expect(client.getSnapshot().status).toBe('authenticated')
  })
})

describe('a refresh that answers another user’s token', () => {
  // Cookie mode: the answer is whoever the browser's one refresh cookie names. A cold start still
  // in flight when bob signed in puts alice's cookie back, and bob's next refresh answers as alice.
  const hasura = (userId: string) => ({
    'https://hasura.io/jwt/claims': { 'x-hasura-user-id': userId, 'x-hasura-default-role': 'user', 'x-hasura-allowed-roles': ['user'] },
  })
  it.each([
    ['sub', { sub: 'bob' }, { sub: 'alice' }],
    ['Hasura user id (no sub)', hasura('bob'), hasura('alice')],
    // The same user's other login (another browser session, `sid`), which the cookie names now.
    ['server session sid, same user', { sub: 'bob', sid: 'login-2' }, { sub: 'bob', sid: 'login-1' }],
  ])('ends the session instead of keeping it as the same login (%s): bob’s replay rejects session_changed', async (_label, bob, alice) => {
    const sent: string[] = []
    const fetch = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
      sent.push((init?.headers as Record<string, string>).Authorization!.slice('Bearer '.length))
      return new Response('', { status: 401 })
    })
    const { client, refresh, events } = setup({ fetch: fetch as typeof globalThis.fetch, allowedOrigins: ['https://api.example.com'] })
    const bobToken = createTestJwt({ sub: undefined, ...bob }, { expiresIn: 900 })
    refresh.mockImplementation(async () => ({ accessToken: createTestJwt({ sub: undefined, ...alice }, { expiresIn: 900 }) }))
    client.login({ accessToken: bobToken })
    client.start()
    const posting = client.fetch('https://api.example.com/orders', { method: 'POST', body: '{}' })
    await expect(posting).rejects.toMatchObject({ code: 'session_changed' })
    expect(sent).toEqual([bobToken])
    expect(client.getSnapshot()).toMatchObject({ status: 'unauthenticated', accessToken: null, sessionId: null })
    expect(events).toContainEqual({ type: 'logged_out', reason: 'refresh_rejected', fromOtherTab: false })
    await expect(client.getAccessToken()).resolves.toBeNull()
    expect(refresh).toHaveBeenCalledTimes(1)
    client.stop()
  })

  it('keeps a rotation for the same user, and one whose tokens name no user at all', async () => {
    for (const claims of [{ sub: 'bob' }, { sub: undefined }, { sub: 'bob', sid: 'login-1' }]) {
      const { client, refresh } = setup()
      refresh.mockImplementation(async () => ({ accessToken: createTestJwt(claims, { expiresIn: 900 }) }))
      client.login({ accessToken: createTestJwt(claims, { expiresIn: 900 }) })
      const { sessionId } = client.getSnapshot()
      await client.refresh()
      expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', sessionId })
    }
  })
})

describe('logout', () => {
  it('drops a refresh result that arrives after logout', async () => {
    let resolve!: (pair: { accessToken: string; refreshToken: string }) => void
    const { client, refresh, tokens, storage } = setup()
    refresh.mockImplementationOnce(() => new Promise((r) => (resolve = r)))
    client.login(tokens())
    const pending = client.refresh()
    await vi.advanceTimersByTimeAsync(0)
    expect(refresh).toHaveBeenCalledTimes(1)
    await client.logout()
    resolve(tokens() as { accessToken: string; refreshToken: string })
    await expect(pending).rejects.toMatchObject({ code: 'unauthenticated' })
    expect(client.getSnapshot().status).toBe('unauthenticated')
    expect(storage.getItem('jwt-session')).toBeNull()
  })

  it('logs out locally before revoking, and a failing revoke is reported, not thrown', async () => {
    const revoke = vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    })
    const { client, tokens, events } = setup({ revoke })
    client.login(tokens())
    const pending = client.logout({ everywhere: true })
    expect(client.getSnapshot().status).toBe('unauthenticated')
    await expect(pending).resolves.toBeUndefined()
    expect(revoke).toHaveBeenCalledWith(expect.objectContaining({ everywhere: true, refreshToken: 'rt-0' }))
    expect(events.at(-1)).toMatchObject({ type: 'revoke_failed', error: { code: 'revoke_failed' } })
  })

  it('getAccessToken resolves null without a session and never calls refresh', async () => {
    const { client, refresh } = setup()
    expect(await client.getAccessToken()).toBeNull()
    expect(refresh).not.toHaveBeenCalled()
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
