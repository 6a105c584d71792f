import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, type AuthClient } from '../../../src/core/client'
import { sessionTimeout, type SessionTimeoutOptions } from '../../../src/core/sessionTimeout'
import type { AuthEvent } from '../../../src/core/types'
import { createTabHarness } from '../../../src/testing'
import { T0, useFakeClock } from '../../support/session'
import { rotatingServer } from './tabs'

const SECOND = 1000
const MINUTE = 60 * SECOND

beforeEach(() => useFakeClock())
afterEach(() => vi.useRealTimers())

/** Tabs of one browser with the same session limits; `input(i)` is user input in tab i. */
function browser(limits: SessionTimeoutOptions, { ttl = 300, tabs = 3, latency = 0 } = {}) {
  const harness = createTabHarness({ latency })
  const server = rotatingServer(ttl)
  const revoke = vi.fn(async () => {})
  const clients: AuthClient[] = []
  const events: AuthEvent[][] = []
  const inputs: (() => void)[] = []
  const open = () => {
    const log: AuthEvent[] = []
    const index = clients.length
    const client = createAuthClient({
      refresh: server.refresh,
      revoke,
      ...harness.tab(),
      wakeEvents: () => () => {},
      onEvent: (event) => log.push(event),
      timeout: sessionTimeout({ ...limits, activityEvents: (onActivity) => ((inputs[index] = onActivity), () => {}) }),
    })
    client.start()
    clients.push(client)
    events.push(log)
    return client
  }
  for (let i = 0; i < tabs; i++) open()
  const statuses = () => clients.map((client) => client.getSnapshot().status)
  const input = (tab: number) => inputs[tab]!()
  return { harness, server, revoke, clients, events, open, statuses, input }
}

async function signedIn(limits: SessionTimeoutOptions, options?: { ttl?: number; tabs?: number; latency?: number }) {
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

  it('ignores foreign activity messages: another login, a time from the future, other shapes', async () => {
    const { harness, statuses, clients } = await signedIn({ idleTimeout: MINUTE })
    const name = 'jwt-session:jwt-session:activity'
    const sessionId = clients[0]!.getSnapshot().sessionId
    await vi.advanceTimersByTimeAsync(50 * SECOND)
    harness.inject(name, { type: 'jwt-session:activity', sessionId: 'someone-else', at: Date.now(), extend: true })
    harness.inject(name, { type: 'jwt-session:activity', sessionId, at: Date.now() + 10 * MINUTE, extend: false })
    harness.inject(name, { type: 'jwt-session:activity', sessionId, at: String(Date.now()) })
    harness.inject(name, 'activity')
    harness.inject(name, null)
    await vi.advanceTimersByTimeAsync(10 * SECOND)
    expect(statuses()).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated'])
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

  it('a new login after the end starts its own clock', async () => {
    const { clients, server, statuses } = await signedIn({ maxSessionAge: 10 * MINUTE }, { tabs: 2 })
    await vi.advanceTimersByTimeAsync(10 * MINUTE + SECOND)
    expect(statuses()).toEqual(['unauthenticated', 'unauthenticated'])
    clients[1]!.login(server.loginPair('user-2'))
    await vi.advanceTimersByTimeAsync(9 * MINUTE)
    expect(statuses()).toEqual(['authenticated', 'authenticated'])
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
