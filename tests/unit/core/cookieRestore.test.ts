import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, type AuthClient } from '../../../src/core/client'
import { cookieRestore } from '../../../src/parts/cookieRestore'
import type { TokenPair } from '../../../src/core/tokens'
import type { AuthClientOptions, AuthEvent, RefreshContext } from '../../../src/core'
import { createTabHarness, createTestJwt } from '../../../src/testing'
import { useFakeClock } from '../../support/session'

beforeEach(() => useFakeClock())
afterEach(() => vi.useRealTimers())

/** A cookie-mode server: the refresh token lives in the browser's HttpOnly cookie, never in the client. */
function cookieServer(answer: 'valid' | 'no_cookie' | 'down' = 'valid', latency = 40) {
  return vi.fn(async ({ refreshToken }: RefreshContext): Promise<TokenPair> => {
    expect(refreshToken).toBeNull()
    await new Promise((resolve) => setTimeout(resolve, latency))
    if (answer === 'no_cookie') throw Object.assign(new Error('no refresh cookie'), { status: 401 })
    if (answer === 'down') throw Object.assign(new Error('bad gateway'), { status: 502 })
    return { accessToken: createTestJwt({ sub: 'user-1' }, { expiresIn: 900 }) }
  })
}

/** `count` tabs of one browser opening at once, none with anything stored. */
function openTogether(count: number, refresh: AuthClientOptions['refresh'], overrides: Partial<AuthClientOptions> = {}, latency = 0) {
  const harness = createTabHarness({ latency })
  const events: AuthEvent[][] = []
  const tabs: AuthClient[] = []
  const seen: string[][] = []
  for (let i = 0; i < count; i++) {
    const log: AuthEvent[] = []
    const client = createAuthClient({
      refresh,
      restore: cookieRestore,
      ...harness.tab(),
      wakeEvents: () => () => {},
      onEvent: (event) => log.push(event),
      ...overrides,
    })
    const statuses: string[] = []
    client.subscribe(() => statuses.push(client.getSnapshot().status))
    client.start()
    tabs.push(client)
    events.push(log)
    seen.push(statuses)
  }
  const states = () => tabs.map((tab) => tab.getSnapshot())
  return { tabs, events, states, seen }
}

const typesOf = (log: AuthEvent[]) => log.map((event) => event.type)

describe('cold start from the refresh cookie (restore: cookieRestore)', () => {
  it('5 tabs opening at once make exactly 1 refresh request and all sign in to the same session', async () => {
    const refresh = cookieServer('valid')
    // Messages take 20 ms, longer than the lock takes to pass: the waiting tabs must ask, not conclude.
    const { states, events, seen } = openTogether(5, refresh, {}, 20)
    await vi.advanceTimersByTimeAsync(300 + 40 + 300)
    expect(seen.map((statuses) => statuses.includes('unauthenticated'))).toEqual(Array(5).fill(false))
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(states().map((s) => s.status)).toEqual(Array(5).fill('authenticated'))
    expect(new Set(states().map((s) => s.sessionId)).size).toBe(1)
    const restoredFrom = events.flatMap((log) => log.flatMap((event) => (event.type === 'session_restored' ? [event.from] : [])))
    expect(restoredFrom).toEqual(['cookie'])
    expect(events.flat().filter((event) => event.type === 'session_adopted')).toHaveLength(4)
  })

  it('no valid cookie: 1 request for 5 tabs, all signed out quietly (no logged_out, no error)', async () => {
    const refresh = cookieServer('no_cookie')
    const { states, events } = openTogether(5, refresh)
    await vi.advanceTimersByTimeAsync(300 + 40 + 300)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(states().map((s) => [s.status, s.error, s.ended])).toEqual(Array(5).fill(['unauthenticated', null, null]))
    expect(events.flat().filter((event) => event.type === 'logged_out' || event.type === 'refresh_failed')).toEqual([])
  })

  it('a tab that looked for markers just before another tab ended its restore does not ask again: 1 request', async () => {
    const refresh = cookieServer('no_cookie')
    const harness = createTabHarness()
    const first = createAuthClient({ refresh, restore: cookieRestore, ...harness.tab(), wakeEvents: () => () => {} })
    first.start()
    await vi.advanceTimersByTimeAsync(10) // the first tab holds the turn, its request on its way
    // The second tab's second look at the locks (its first asks whether any tab holds a session) is
    // answered as things stood when it asked, no marker yet, but only once the first tab has marked
    // the refusal and let go of the turn: an answer that comes late, as on a busy machine.
    let firstDone!: () => void
    const done = new Promise<void>((resolve) => (firstDone = resolve))
    const second = harness.tab()
    let queries = 0
    const locks = Object.assign(Object.create(second.locks) as typeof second.locks, {
      query: async () => {
        const now = await second.locks.query()
        if (++queries === 2) await done
        return now
      },
    })
    const late = createAuthClient({ refresh, restore: cookieRestore, ...second, locks, wakeEvents: () => () => {} })
    late.start()
    await vi.advanceTimersByTimeAsync(100)
    expect([first.getSnapshot().status, queries]).toEqual(['unauthenticated', 2])
    firstDone()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(late.getSnapshot().status).toBe('unauthenticated')
    expect(refresh).toHaveBeenCalledTimes(1)
  })

  it('tabs opening one after another make 1 request: the first refusal answers the next 10 s', async () => {
    const refresh = cookieServer('no_cookie', 8)
    const harness = createTabHarness()
    const open = () => {
      const client = createAuthClient({ refresh, restore: cookieRestore, ...harness.tab(), wakeEvents: () => () => {} })
      client.start()
      return client
    }
    const tabs = []
    for (let i = 0; i < 5; i++) {
      tabs.push(open())
      await vi.advanceTimersByTimeAsync(700) // each starts after the one before has its answer
    }
    expect(tabs.map((tab) => tab.getSnapshot().status)).toEqual(Array(5).fill('unauthenticated'))
    expect(refresh).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(10_000)
    open()
    await vi.advanceTimersByTimeAsync(700)
    expect(refresh).toHaveBeenCalledTimes(2) // a tab opened later asks again
  })

  it('a valid cookie and tabs opening one after another: 1 request, the later tabs get the session by handoff', async () => {
    const refresh = cookieServer('valid', 8)
    const harness = createTabHarness({ latency: 5 })
    const tabs = []
    for (let i = 0; i < 5; i++) {
      const client = createAuthClient({ refresh, restore: cookieRestore, ...harness.tab(), wakeEvents: () => () => {} })
      client.start()
      tabs.push(client)
      await vi.advanceTimersByTimeAsync(100 * i) // 0, 100, 200… ms apart: overlapping and not
    }
    await vi.advanceTimersByTimeAsync(1000)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(new Set(tabs.map((tab) => tab.getSnapshot().sessionId)).size).toBe(1)
    expect(tabs.every((tab) => tab.getSnapshot().status === 'authenticated')).toBe(true)
  })

  it('a server that is down signs out with a refresh_failed error to show, after 1 request', async () => {
    const refresh = cookieServer('down')
    const { states, events } = openTogether(1, refresh)
    await vi.advanceTimersByTimeAsync(300 + 40)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(states()[0]).toMatchObject({ status: 'unauthenticated', error: { code: 'refresh_failed', status: 502 } })
    expect(typesOf(events[0]!)).toEqual(['refresh_failed']) // no tab held a session: no handoff wait to time out
  })

  it('ready() waits for the cold start (a route loader in a new tab)', async () => {
    const refresh = cookieServer('valid')
    const harness = createTabHarness()
    const client = createAuthClient({ refresh, restore: cookieRestore, ...harness.tab(), wakeEvents: () => () => {} })
    const ready = client.ready()
    await vi.advanceTimersByTimeAsync(300 + 40)
    expect(await ready).toMatchObject({ status: 'authenticated' })
    expect(refresh).toHaveBeenCalledTimes(1)
  })

  it('does not ask the server when another tab has the session, or something is stored', async () => {
    const refresh = cookieServer('valid')
    const { tabs } = openTogether(1, refresh)
    await vi.advanceTimersByTimeAsync(300 + 40)
    expect(refresh).toHaveBeenCalledTimes(1)
    const harness = createTabHarness()
    const signedIn = createAuthClient({ refresh, restore: cookieRestore, ...harness.tab(), wakeEvents: () => () => {} })
    signedIn.start()
    signedIn.login({ accessToken: createTestJwt({ sub: 'user-1' }, { expiresIn: 900 }) })
    const newTab = createAuthClient({ refresh, restore: cookieRestore, ...harness.tab(), wakeEvents: () => () => {} })
    newTab.start()
    await vi.advanceTimersByTimeAsync(1000)
    expect(newTab.getSnapshot().status).toBe('authenticated')
    expect(refresh).toHaveBeenCalledTimes(1)
    tabs[0]!.stop()
  })

  it('a login while the cold start runs wins; the late answer is dropped', async () => {
    const refresh = cookieServer('valid', 500)
    const { tabs } = openTogether(1, refresh)
    await vi.advanceTimersByTimeAsync(300 + 100)
    tabs[0]!.login({ accessToken: createTestJwt({ sub: 'user-2' }, { expiresIn: 900 }) })
    await vi.advanceTimersByTimeAsync(500)
    expect(tabs[0]!.getSnapshot().claims?.sub).toBe('user-2')
  })

  // A frozen tab (suspended, or stopped in a debugger) holds the restore turn and never lets go:
  // exclusively, as the restoring tab; or shared, as a tab let in after another tab's restore (the
  // tab that restored has since closed: the grant proves nothing about a session, nobody holds one).
  it.each([
    ['took the restore turn', 'exclusive'],
    ['was granted the turn after another tab’s restore', 'shared'],
  ] as const)('takes the turn over from a frozen tab that %s after refreshTimeout + 2 s: 1 request, ready() settles', async (_, mode) => {
    const refresh = cookieServer('valid')
    const harness = createTabHarness()
    harness.locks.request('jwt-session:jwt-session:restore', { mode }, () => new Promise(() => {})).catch(() => {})
    const client = createAuthClient({ refresh, restore: cookieRestore, ...harness.tab(), wakeEvents: () => () => {} })
    client.start()
    let settled = false
    void client.ready().then(() => (settled = true))
    // No tab holds a session, so the tab does not wait out handoffTimeout: it waits for the turn at once.
    await vi.advanceTimersByTimeAsync(16_999)
    expect([client.getSnapshot().status, settled, refresh.mock.calls.length]).toEqual(['initializing', false, 0])
    await vi.advanceTimersByTimeAsync(1 + 40)
    expect([client.getSnapshot().status, settled, refresh.mock.calls.length]).toEqual(['authenticated', true, 1])
    client.stop()
  })

  it('a tab waiting for a turn taken over from a frozen tab takes the new holder’s session: 1 request in all', async () => {
    const refresh = cookieServer('valid')
    const harness = createTabHarness()
    harness.locks.request('jwt-session:jwt-session:restore', {}, () => new Promise(() => {})).catch(() => {})
    const tabs = [0, 1, 2].map(() => createAuthClient({ refresh, restore: cookieRestore, ...harness.tab(), wakeEvents: () => () => {} }))
    tabs.forEach((tab) => tab.start())
    await vi.advanceTimersByTimeAsync(300 + 17_000 + 40 + 300)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(tabs.map((tab) => tab.getSnapshot().status)).toEqual(Array(3).fill('authenticated'))
    expect(new Set(tabs.map((tab) => tab.getSnapshot().sessionId)).size).toBe(1)
  })

  it('a refusal held by a frozen tab answers only its 10 s: a tab opened a minute later asks, and signs in', async () => {
    let cookie: 'valid' | 'no_cookie' = 'no_cookie'
    const refresh = vi.fn((context: RefreshContext) => cookieServer(cookie)(context))
    const harness = createTabHarness()
    // A tab whose timers never fire (frozen): it keeps the refusal's marker lock past its 10 s.
    const frozen = { setTimeout: () => 0, clearTimeout: () => {} } as unknown as AuthClientOptions['timers']
    createAuthClient({ refresh, restore: cookieRestore, ...harness.tab(), timers: frozen, wakeEvents: () => () => {} }).start()
    await vi.advanceTimersByTimeAsync(700)
    expect(refresh).toHaveBeenCalledTimes(1)
    cookie = 'valid' // signed in since, in a tab now closed
    await vi.advanceTimersByTimeAsync(60_000)
    const client = createAuthClient({ refresh, restore: cookieRestore, ...harness.tab(), wakeEvents: () => () => {} })
    client.start()
    await vi.advanceTimersByTimeAsync(300 + 40)
    expect([client.getSnapshot().status, refresh.mock.calls.length]).toEqual(['authenticated', 2])
    client.stop()
  })

  it('without Web Locks every tab asks on its own (documented: no cross-tab lock, no exactly-once)', async () => {
    const refresh = cookieServer('valid')
    openTogether(3, refresh, { locks: null })
    await vi.advanceTimersByTimeAsync(300 + 40 + 300)
    expect(refresh).toHaveBeenCalledTimes(3)
  })

  it('without restore, nothing is asked: signed out after the handoff', async () => {
    const refresh = cookieServer('valid')
    const { states } = openTogether(2, refresh, { restore: undefined })
    await vi.advanceTimersByTimeAsync(1000)
    expect(refresh).not.toHaveBeenCalled()
    expect(states().map((s) => s.status)).toEqual(['unauthenticated', 'unauthenticated'])
  })
})
