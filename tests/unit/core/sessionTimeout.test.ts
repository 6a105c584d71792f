import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { restRefresh } from '../../../src/adapters/rest'
import { createAuthClient, type AuthClient } from '../../../src/core/client'
import { cookieRestore } from '../../../src/parts/cookieRestore'
import { createEnvironment } from '../../../src/core/env'
import { sessionTimeout, type SessionTimeoutOptions } from '../../../src/parts/sessionTimeout'
import type { AuthClientOptions, AuthEvent } from '../../../src/core'
import type { WakeKind } from '../../../src/core/wakeEvents'
import { createTabHarness } from '../../../src/testing'
import { createAuthServer, createBrowserFetch } from '../../../src/testing/server/index'
import { T0, useFakeClock } from '../../support/session'
import { rotatingServer } from './tabs'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** The laptop sleeps: the clock moves on, and no timer runs meanwhile. */
const sleep = (ms: number) => vi.setSystemTime(Date.now() + ms)

beforeEach(() => useFakeClock())
afterEach(() => vi.useRealTimers())

interface BrowserOptions {
  ttl?: number
  tabs?: number
  latency?: number
  /** Replaces what every tab gets from the harness (a channel that throws, no locks). */
  tab?: Partial<AuthClientOptions>
}

/** Tabs of one browser with the same session limits; `input(i)` is user input in tab i, `wake(i)` its page waking up. */
function browser(limits: SessionTimeoutOptions, { ttl = 300, tabs = 3, latency = 0, tab = {} }: BrowserOptions = {}) {
  const harness = createTabHarness({ latency })
  const server = rotatingServer(ttl)
  const revoke = vi.fn(async () => {})
  const clients: AuthClient[] = []
  const events: AuthEvent[][] = []
  const inputs: (() => void)[] = []
  const wakes: ((kind?: WakeKind) => void)[] = []
  const open = () => {
    const log: AuthEvent[] = []
    const index = clients.length
    const client = createAuthClient({
      refresh: server.refresh,
      revoke,
      ...harness.tab(),
      wakeEvents: (onWake) => ((wakes[index] = onWake), () => {}),
      onEvent: (event) => log.push(event),
      timeout: sessionTimeout({ ...limits, activityEvents: (onActivity) => ((inputs[index] = onActivity), () => {}) }),
      ...tab,
    })
    client.start()
    clients.push(client)
    events.push(log)
    return client
  }
  for (let i = 0; i < tabs; i++) open()
  const statuses = () => clients.map((client) => client.getSnapshot().status)
  const input = (tab: number) => inputs[tab]!()
  const wake = (tab: number, kind: WakeKind = 'visible') => wakes[tab]!(kind)
  return { harness, server, revoke, clients, events, open, statuses, input, wake }
}

async function signedIn(limits: SessionTimeoutOptions, options?: BrowserOptions) {
  const tabs = browser(limits, options)
  await vi.advanceTimersByTimeAsync(300) // the handoff question of every new tab times out
  tabs.clients[0]!.login(tabs.server.loginPair())
  await vi.advanceTimersByTimeAsync(options?.latency ?? 0)
  expect(tabs.statuses()).toEqual(tabs.clients.map(() => 'authenticated'))
  return tabs
}

const endsOf = (log: AuthEvent[]) => log.filter((event) => event.type === 'logged_out')

describe('idle timeout across tabs', () => {
  it('ends the session in all 3 tabs after idleTimeout without input, and exactly one tab revokes it', async () => {
    // Messages take 20 ms. After input in tab 2, every tab has the same idle clock, so each
    // reaches the limit before it hears that another one did.
    const { clients, statuses, revoke, events, input } = await signedIn({ idleTimeout: 15 * MINUTE }, { latency: 20 })
    input(2)
    await vi.advanceTimersByTimeAsync(15 * MINUTE - SECOND)
    expect(statuses()).toEqual(['authenticated', 'authenticated', 'authenticated'])
    await vi.advanceTimersByTimeAsync(SECOND + 20)
    expect(statuses()).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated'])
    expect(clients.map((client) => client.getSnapshot().ended)).toEqual(Array(3).fill({ reason: 'idle', fromOtherTab: false }))
    expect(events.map((log) => endsOf(log).length)).toEqual([1, 1, 1])
    expect(revoke).toHaveBeenCalledTimes(1)
  })

  it('exactly one tab revokes at an idle end, counted over the seconds after it', async () => {
    // Every tab reaches the limit at the same moment; the ones that lose the election must not
    // revoke later either (when the winner lets go of its lock).
    const { revoke, statuses, input } = await signedIn({ idleTimeout: 15 * MINUTE }, { latency: 20 })
    input(2)
    await vi.advanceTimersByTimeAsync(15 * MINUTE + 20)
    expect(statuses()).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated'])
    await vi.advanceTimersByTimeAsync(10 * SECOND)
    expect(revoke).toHaveBeenCalledTimes(1)
  })

  it('without Web Locks (locks: null) ends the session in every tab, and each tab that reaches the limit before hearing of the end revokes', async () => {
    const { clients, events, revoke, statuses, input } = await signedIn({ idleTimeout: 15 * MINUTE }, { latency: 20, tab: { locks: null } })
    input(2)
    await vi.advanceTimersByTimeAsync(15 * MINUTE - SECOND)
    expect(statuses()).toEqual(['authenticated', 'authenticated', 'authenticated'])
    await vi.advanceTimersByTimeAsync(SECOND + 10 * SECOND)
    expect(clients.map((client) => client.getSnapshot().ended)).toEqual(Array(3).fill({ reason: 'idle', fromOtherTab: false }))
    expect(events.map((log) => endsOf(log).length)).toEqual([1, 1, 1])
    expect(revoke).toHaveBeenCalledTimes(3)
  })

  it('a tab that opens or reloads starts its own idle clock but does not extend the others', async () => {
    const { statuses, open, clients } = await signedIn({ idleTimeout: 15 * MINUTE }, { tabs: 2 })
    await vi.advanceTimersByTimeAsync(10 * MINUTE)
    const late = open()
    await vi.advanceTimersByTimeAsync(5 * MINUTE)
    expect([...statuses(), late.getSnapshot().status]).toEqual(Array(4).fill('unauthenticated'))
    expect(clients.map((client) => client.getSnapshot().ended?.reason)).toEqual(['idle', 'idle', 'idle'])
  })

  it('input in one tab keeps every tab alive, and the limit counts from its last input', async () => {
    const { statuses, input } = await signedIn({ idleTimeout: 15 * MINUTE })
    for (let minute = 0; minute < 40; minute += 5) {
      await vi.advanceTimersByTimeAsync(5 * MINUTE)
      input(2)
    }
    expect(statuses()).toEqual(['authenticated', 'authenticated', 'authenticated'])
    await vi.advanceTimersByTimeAsync(15 * MINUTE - SECOND)
    expect(statuses()).toEqual(['authenticated', 'authenticated', 'authenticated'])
    await vi.advanceTimersByTimeAsync(SECOND)
    expect(statuses()).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated'])
  })

  it('silent refreshes in the background do not count as activity', async () => {
    const { statuses, server } = await signedIn({ idleTimeout: 15 * MINUTE }, { ttl: 120 })
    await vi.advanceTimersByTimeAsync(15 * MINUTE)
    expect(server.counts.refreshes).toBeGreaterThanOrEqual(7) // a 2-minute token, refreshed all along
    expect(statuses()).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated'])
  })

  it('shares a busy spell of input in a few messages a minute, not hundreds', async () => {
    const { harness, input, statuses } = await signedIn({ idleTimeout: 15 * MINUTE }, { ttl: 3600 })
    const before = harness.messagesPosted
    for (let t = 0; t < MINUTE; t += 50) {
      input(t % 3)
      await vi.advanceTimersByTimeAsync(50)
    }
    await vi.advanceTimersByTimeAsync(10 * SECOND) // the last input of the spell still goes out
    const sent = harness.messagesPosted - before
    expect(sent).toBeGreaterThan(0)
    expect(sent).toBeLessThanOrEqual(3 * 7) // each tab: at most one per 10 s, plus the trailing one
    // The trailing message carried the spell's last input: nobody ends before 15 min after it.
    await vi.advanceTimersByTimeAsync(15 * MINUTE - 10 * SECOND - 2 * SECOND)
    expect(statuses()).toEqual(['authenticated', 'authenticated', 'authenticated'])
  })

  it('ignores foreign activity messages: another login, a time from the future, another version, other shapes', async () => {
    const { harness, statuses, clients } = await signedIn({ idleTimeout: MINUTE })
    const name = 'jwt-session:jwt-session:activity'
    const sessionId = clients[0]!.getSnapshot().sessionId
    await vi.advanceTimersByTimeAsync(50 * SECOND)
    harness.inject(name, { type: 'jwt-session:activity', v: 1, sessionId: 'someone-else', at: Date.now(), extend: true })
    harness.inject(name, { type: 'jwt-session:activity', v: 1, sessionId, at: Date.now() + 10 * MINUTE, extend: false })
    harness.inject(name, { type: 'jwt-session:activity', v: 1, sessionId, at: String(Date.now()) })
    harness.inject(name, { type: 'jwt-session:activity', sessionId, at: Date.now(), extend: true }) // no version: an older tab
    harness.inject(name, { type: 'jwt-session:activity', v: 2, sessionId, at: Date.now(), extend: true })
    harness.inject(name, 'activity')
    harness.inject(name, null)
    await vi.advanceTimersByTimeAsync(10 * SECOND)
    expect(statuses()).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated'])
  })
})

describe('a laptop that slept past a limit', () => {
  it('ends an idle session on wake after a 2 h sleep, before the first input can extend it', async () => {
    const { clients, statuses, wake, input } = await signedIn({ idleTimeout: MINUTE }, { tabs: 2 })
    await vi.advanceTimersByTimeAsync(10 * SECOND)
    sleep(2 * HOUR)
    wake(0)
    input(0) // the first mouse move after the lid opens
    expect(clients[0]!.getSnapshot().ended).toEqual({ reason: 'idle', fromOtherTab: false })
    await vi.advanceTimersByTimeAsync(0)
    expect(statuses()).toEqual(['unauthenticated', 'unauthenticated'])
  })

  it('input after a 2 h sleep ends the idle session instead of extending it', async () => {
    const { clients, statuses, input, revoke } = await signedIn({ idleTimeout: MINUTE }, { tabs: 2 })
    sleep(2 * HOUR)
    input(1)
    expect(clients[1]!.getSnapshot().ended).toEqual({ reason: 'idle', fromOtherTab: false })
    await vi.advanceTimersByTimeAsync(0)
    expect(statuses()).toEqual(['unauthenticated', 'unauthenticated'])
    expect(revoke).toHaveBeenCalledTimes(1)
  })

  it("another tab's input heard after a 2 h sleep does not extend the idle session", async () => {
    const { clients, harness, statuses } = await signedIn({ idleTimeout: MINUTE }, { tabs: 2 })
    const sessionId = clients[0]!.getSnapshot().sessionId
    sleep(2 * HOUR)
    harness.inject('jwt-session:jwt-session:activity', { type: 'jwt-session:activity', v: 1, sessionId, at: Date.now(), extend: false })
    expect(statuses()).toEqual(['unauthenticated', 'unauthenticated'])
    expect(clients.map((client) => client.getSnapshot().ended?.reason)).toEqual(['idle', 'idle'])
  })

  it('extend() after a 2 h sleep ends the idle session instead of extending it', async () => {
    const { clients } = await signedIn({ idleTimeout: MINUTE, warnBefore: 20 * SECOND }, { tabs: 1 })
    sleep(2 * HOUR)
    clients[0]!.extend()
    expect(clients[0]!.getSnapshot()).toMatchObject({ status: 'unauthenticated', ended: { reason: 'idle' }, expiring: null })
  })

  it('ends the session with max_age on wake after sleeping past maxSessionAge', async () => {
    const { clients, wake, server } = await signedIn({ maxSessionAge: 8 * HOUR }, { tabs: 1 })
    await vi.advanceTimersByTimeAsync(7 * HOUR)
    sleep(2 * HOUR)
    const refreshes = server.counts.refreshes
    wake(0, 'visible')
    expect(clients[0]!.getSnapshot()).toMatchObject({ status: 'unauthenticated', ended: { reason: 'max_age' } })
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(server.counts.refreshes).toBe(refreshes) // the ended session's expired token is not refreshed
  })
})

describe('long limits', () => {
  it('a 30-day maxSessionAge arms one timer every 30 s, not a spin, and ends the session at 30 days', async () => {
    let fired = 0
    const timers = {
      setTimeout: (run: () => void, ms: number) => setTimeout(() => (fired++, run()), ms),
      clearTimeout: (id: unknown) => clearTimeout(id as ReturnType<typeof setTimeout>),
    }
    const end = vi.fn(() => null)
    const startedAt = Date.now()
    const env = createEnvironment({ timers, channel: null, locks: null })
    const part = sessionTimeout({ maxSessionAge: 30 * DAY, activityEvents: () => () => {} })({
      env,
      session: () => ({ sessionId: 'family-1', claims: { exp: 0 }, skew: 0, signedInAt: startedAt }),
      patch: () => {},
      emit: () => {},
      end,
      coldStart: null as never, // not a restore
    })
    part.start?.()
    part.onSession?.()
    await vi.advanceTimersByTimeAsync(MINUTE)
    expect(fired).toBe(2)
    vi.advanceTimersByTime(30 * DAY - MINUTE - 1)
    expect(end).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(end.mock.calls).toEqual([['max_age']])
    part.stop?.()
  })
})

describe('warning before the limit', () => {
  it('warns every tab warnBefore ms ahead; input during the warning does not dismiss it, extend() in one tab does, everywhere', async () => {
    const { clients, events, input, statuses } = await signedIn({ idleTimeout: 2 * MINUTE, warnBefore: 30 * SECOND })
    await vi.advanceTimersByTimeAsync(90 * SECOND - 1)
    expect(clients.map((client) => client.getSnapshot().expiring)).toEqual([null, null, null])
    await vi.advanceTimersByTimeAsync(1)
    const at = T0 + 300 + 2 * MINUTE
    for (const [index, client] of clients.entries()) {
      expect(client.getSnapshot().expiring).toEqual({ reason: 'idle', at })
      expect(events[index]!.filter((event) => event.type === 'session_expiring')).toEqual([
        { type: 'session_expiring', reason: 'idle', at },
      ])
    }
    input(0) // the mouse moving past the dialog
    await vi.advanceTimersByTimeAsync(10 * SECOND)
    expect(clients[0]!.getSnapshot().expiring).toEqual({ reason: 'idle', at })
    clients[1]!.extend()
    await vi.advanceTimersByTimeAsync(0)
    expect(clients.map((client) => client.getSnapshot().expiring)).toEqual([null, null, null])
    await vi.advanceTimersByTimeAsync(2 * MINUTE - 30 * SECOND - 1)
    expect(statuses()).toEqual(['authenticated', 'authenticated', 'authenticated'])
    await vi.advanceTimersByTimeAsync(30 * SECOND + 1)
    expect(statuses()).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated'])
    expect(clients[0]!.getSnapshot().expiring).toBeNull()
  })

  it("input in a tab that is not yet warning does not lift another tab's warning", async () => {
    const tabs = await signedIn({ idleTimeout: 2 * MINUTE, warnBefore: 30 * SECOND }, { tabs: 1 })
    await vi.advanceTimersByTimeAsync(MINUTE)
    const late = tabs.open() // its idle clock starts now, a minute after the first tab's
    await vi.advanceTimersByTimeAsync(30 * SECOND)
    const at = T0 + 300 + 2 * MINUTE
    expect(tabs.clients[0]!.getSnapshot().expiring).toEqual({ reason: 'idle', at })
    expect(late.getSnapshot()).toMatchObject({ status: 'authenticated', expiring: null })
    tabs.input(1)
    await vi.advanceTimersByTimeAsync(10 * SECOND) // shared with the first tab by now
    expect(tabs.clients[0]!.getSnapshot().expiring).toEqual({ reason: 'idle', at })
    await vi.advanceTimersByTimeAsync(at - Date.now())
    expect(tabs.statuses()).toEqual(['unauthenticated', 'unauthenticated'])
    expect(tabs.clients[0]!.getSnapshot().ended).toEqual({ reason: 'idle', fromOtherTab: false })
  })

  it('works with the short values tests and demos use (seconds)', async () => {
    const { statuses, clients } = await signedIn({ idleTimeout: 3 * SECOND, warnBefore: 2 * SECOND }, { tabs: 1 })
    await vi.advanceTimersByTimeAsync(SECOND)
    expect(clients[0]!.getSnapshot().expiring?.reason).toBe('idle')
    await vi.advanceTimersByTimeAsync(2 * SECOND)
    expect(statuses()).toEqual(['unauthenticated'])
  })
})

describe('maximum session age', () => {
  it('ends the login maxSessionAge after it began, across refreshes, a tab opened later, input and extend()', async () => {
    const tabs = await signedIn({ maxSessionAge: 30 * MINUTE, warnBefore: MINUTE }, { ttl: 300, tabs: 2 })
    await vi.advanceTimersByTimeAsync(20 * MINUTE)
    const late = tabs.open() // adopts the session by handoff: the login time comes along
    await vi.advanceTimersByTimeAsync(0)
    expect(late.getSnapshot().status).toBe('authenticated')
    await vi.advanceTimersByTimeAsync(9 * MINUTE)
    tabs.input(0)
    late.extend()
    expect(late.getSnapshot().expiring).toMatchObject({ reason: 'max_age' })
    expect(tabs.server.counts.refreshes).toBeGreaterThanOrEqual(6)
    await vi.advanceTimersByTimeAsync(MINUTE - 300 - 1)
    expect(tabs.statuses()).toEqual(['authenticated', 'authenticated', 'authenticated'])
    await vi.advanceTimersByTimeAsync(1 + 1000) // `since` has whole seconds
    expect(tabs.statuses()).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated'])
    expect(tabs.clients.map((client) => client.getSnapshot().ended?.reason)).toEqual(['max_age', 'max_age', 'max_age'])
    expect(tabs.revoke).toHaveBeenCalledTimes(1)
  })

  it('dates the session by auth_time: a browser reopened 7.5 h after the sign-in ends it 30 min later under an 8 h limit', async () => {
    // The reference server puts the sign-in in auth_time and carries it through every refresh;
    // the cookie restore gets a fresh pair whose iat is now.
    const server = createAuthServer({ passwordIterations: 1000, accessTokenTtl: 3600 })
    const browserFetch = createBrowserFetch(server.handler, { origin: 'https://app.test' })
    const signIn = await browserFetch('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'alice-password', cookieMode: true }),
    })
    expect(signIn.status).toBe(200)
    sleep(7.5 * HOUR) // every tab closed; the refresh cookie stays
    const events: AuthEvent[] = []
    const client = createAuthClient({
      refresh: restRefresh({ url: 'https://app.test/auth/refresh', fetch: browserFetch }),
      restore: cookieRestore,
      ...createTabHarness().tab(),
      wakeEvents: () => () => {},
      onEvent: (event) => events.push(event),
      timeout: sessionTimeout({ maxSessionAge: 8 * HOUR, activityEvents: () => () => {} }),
    })
    client.start()
    const ready = client.ready()
    await vi.advanceTimersByTimeAsync(300) // no other tab answers
    expect(await ready).toMatchObject({ status: 'authenticated' })
    expect(events.map((event) => event.type)).toContain('session_restored')
    await vi.advanceTimersByTimeAsync(30 * MINUTE - 300 - 1) // 8 h after the sign-in, to the ms
    expect(client.getSnapshot().status).toBe('authenticated')
    await vi.advanceTimersByTimeAsync(1)
    expect(client.getSnapshot()).toMatchObject({ status: 'unauthenticated', ended: { reason: 'max_age' } })
    client.stop()
  })

  it('a new login after the end starts its own clock', async () => {
    const { clients, server, statuses } = await signedIn({ maxSessionAge: 10 * MINUTE }, { tabs: 2 })
    await vi.advanceTimersByTimeAsync(10 * MINUTE + SECOND)
    expect(statuses()).toEqual(['unauthenticated', 'unauthenticated'])
    clients[1]!.login(server.loginPair('user-2'))
    await vi.advanceTimersByTimeAsync(9 * MINUTE)
    expect(statuses()).toEqual(['authenticated', 'authenticated'])
  })
})

describe('where the browser refuses a channel', () => {
  it('start() does not throw, and the limits still hold in this tab', async () => {
    const refuse = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError')
    }
    const { clients, statuses, input } = await signedIn({ idleTimeout: MINUTE }, { tabs: 1, tab: { channel: refuse } })
    await vi.advanceTimersByTimeAsync(50 * SECOND)
    input(0)
    await vi.advanceTimersByTimeAsync(MINUTE - 1)
    expect(statuses()).toEqual(['authenticated'])
    await vi.advanceTimersByTimeAsync(1)
    expect(clients[0]!.getSnapshot().ended).toEqual({ reason: 'idle', fromOtherTab: false })
  })
})

describe('options', () => {
  it('refuses limits that are not non-negative numbers, naming the option', () => {
    expect(() => sessionTimeout({ idleTimeout: -1 })).toThrow(/idleTimeout must be a non-negative number/)
    expect(() => sessionTimeout({ warnBefore: Number.NaN })).toThrow(RangeError)
  })

  it('extend() without a timeout does nothing', async () => {
    const { clients } = await signedIn({}, { tabs: 1 })
    clients[0]!.extend()
    await vi.advanceTimersByTimeAsync(24 * 60 * MINUTE)
    expect(clients[0]!.getSnapshot()).toMatchObject({ status: 'authenticated', expiring: null })
  })
})
