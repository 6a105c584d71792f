import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../../src/core/client'
import type { AuthError } from '../../../src/core/errors'
import type { TokenPair } from '../../../src/core/tokens'
import { createMemoryStorage, createTabHarness, createTestJwt } from '../../../src/testing'
import { createLockManager } from '../../../src/testing/tabHarness'
import { setup } from './setup'
import { heldUntilReleased, openTabs, rotatingServer } from './tabs'
import { useFakeClock } from '../../support/session'

beforeEach(() => useFakeClock())
afterEach(() => vi.useRealTimers())

/** What a closed tab's sessionStorage held, kept for a restore (a reopened tab, a restored session). */
const copyOf = (storage: Storage) => createMemoryStorage({ 'jwt-session': storage.getItem('jwt-session')! })

describe('handoff', () => {
  it('gives a new tab the session of an open tab without a login', async () => {
    const server = rotatingServer()
    const { tabs, open, events } = openTabs(1, server.refresh)
    tabs[0]!.login(server.loginPair())
    const b = open()
    expect(b.getSnapshot().status).toBe('initializing')
    await vi.advanceTimersByTimeAsync(0)
    expect(b.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: tabs[0]!.getSnapshot().accessToken })
    expect(events[1]).toContainEqual({ type: 'session_adopted', from: 'handoff', waited: 0 })
  })

  it('answers a new tab within its handoff timeout during a slow refresh, then upgrades it', async () => {
    const server = rotatingServer()
    const { slow, release } = heldUntilReleased(server.refresh)
    const { tabs, open } = openTabs(1, slow)
    tabs[0]!.login(server.loginPair())
    const before = tabs[0]!.getSnapshot().accessToken
    const refreshing = tabs[0]!.refresh()
    const b = open()
    await vi.advanceTimersByTimeAsync(150)
    expect(b.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: before })
    await vi.advanceTimersByTimeAsync(5_000)
    release()
    await refreshing
    await vi.advanceTimersByTimeAsync(0)
    expect(b.getSnapshot().accessToken).toBe(tabs[0]!.getSnapshot().accessToken)
    expect(server.counts).toEqual({ refreshes: 1, reuse: 0 })
  })

  it('takes a refresh broadcast in a tab that gave up waiting; after it saw that session end, it tells the stale tab instead', async () => {
    for (const heardLogout of [false, true]) {
      const server = rotatingServer()
      const harness = createTabHarness()
      const quietOptions = harness.tab()
      const tab = (options = harness.tab()) => createAuthClient({ refresh: server.refresh, ...options, wakeEvents: () => () => {} })
      const quiet = tab(quietOptions) // holds the session but is not started, so it answers no handoff
      quiet.login(server.loginPair())
      const { family, login, since, gen } = JSON.parse(quietOptions.storage.getItem('jwt-session')!)
      const late = tab()
      late.start()
      await vi.advanceTimersByTimeAsync(300)
      expect(late.getSnapshot().status).toBe('unauthenticated')
      const ended = { family, login, since, gen }
      if (heardLogout) harness.inject('jwt-session:jwt-session', { v: 2, type: 'logout', reason: 'user', ended })
      quiet.start()
      // It asks the others first: no answer within 300 ms, or "that session ended" at once.
      const refreshed = quiet.refresh().then(
        () => 'refreshed',
        (error: AuthError) => error.code,
      )
      await vi.advanceTimersByTimeAsync(300)
      expect(await refreshed).toBe(heardLogout ? 'unauthenticated' : 'refreshed')
      expect(server.refresh).toHaveBeenCalledTimes(heardLogout ? 0 : 1)
      expect(late.getSnapshot().status).toBe(heardLogout ? 'unauthenticated' : 'authenticated')
    }
  })

  /** A tab that reloads (its sessionStorage survives), and a new tab opened `after` ms later. */
  async function reloadThenOpen(after: number, { reloadedTimeout = 300 } = {}) {
    const server = rotatingServer()
    const { open } = openTabs(0, server.refresh)
    const storage = createMemoryStorage()
    const before = open({ storage })
    before.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    before.stop()
    const reloaded = open({ storage, handoffTimeout: reloadedTimeout })
    await vi.advanceTimersByTimeAsync(after)
    const opened = open()
    const statuses: string[] = []
    opened.subscribe(() => statuses.push(opened.getSnapshot().status))
    return { server, reloaded, opened, statuses }
  }

  it.each([0, 10, 150, 299])(
    'answers a tab that asked while it was still asking itself: a reload, then a new tab %i ms later',
    async (after) => {
      const { server, reloaded, opened, statuses } = await reloadThenOpen(after)
      await vi.advanceTimersByTimeAsync(300)
      expect(opened.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: reloaded.getSnapshot().accessToken })
      expect(statuses).not.toContain('unauthenticated')
      expect(server.refresh).not.toHaveBeenCalled()
    },
  )

  it('gives a tab that gave up the session a tab still asking announces once it knows it', async () => {
    const { server, reloaded, opened, statuses } = await reloadThenOpen(10, { reloadedTimeout: 1_000 })
    await vi.advanceTimersByTimeAsync(300)
    expect(opened.getSnapshot().status).toBe('unauthenticated')
    await vi.advanceTimersByTimeAsync(700)
    expect(opened.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: reloaded.getSnapshot().accessToken })
    expect(statuses).toEqual(['unauthenticated', 'authenticated'])
    expect(server.refresh).not.toHaveBeenCalled()
  })

  describe('a tab opened after a rotation, with the pair from before it stored (a seeded tab)', () => {
    function api() {
      const sent: string[] = []
      const fetch = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
        sent.push((init?.headers as Record<string, string>).Authorization!.slice('Bearer '.length))
        return new Response('{}', { status: 200 })
      })
      return { sent, options: { fetch: fetch as typeof globalThis.fetch, allowedOrigins: ['https://api.example.com'] } }
    }

    it.each([
      ['a loader before start()', false],
      ['a started client', true],
    ])('sends the newer token, never its stored one, from %s', async (_label, started) => {
      const server = rotatingServer()
      const { open, harness } = openTabs(0, server.refresh)
      const seeded = createMemoryStorage()
      const first = open({ storage: seeded })
      first.login(server.loginPair())
      const seed = seeded.getItem('jwt-session')!
      await first.refresh()
      const { sent, options } = api()
      const late = createAuthClient({
        refresh: server.refresh,
        ...harness.tab(),
        storage: createMemoryStorage({ 'jwt-session': seed }),
        ...options,
        wakeEvents: () => () => {},
      })
      if (started) late.start()
      const loading = Promise.all([late.fetch('https://api.example.com/me'), late.getAccessToken()])
      await vi.advanceTimersByTimeAsync(300)
      const [, token] = await loading
      expect([...sent, token]).toEqual([first.getSnapshot().accessToken, first.getSnapshot().accessToken])
      expect(server.counts).toEqual({ refreshes: 1, reuse: 0 })
    })

    it('costs a tab nothing when no other tab could answer: its stored token at once, no wait for the handoff', async () => {
      const server = rotatingServer()
      const seeded = createMemoryStorage()
      const writer = openTabs(0, server.refresh).open({ storage: seeded })
      writer.login(server.loginPair())
      writer.stop()
      const { open } = openTabs(0, server.refresh) // another browser: no tab of the seeded one is open
      const { sent, options } = api()
      const alone = open({ storage: seeded, ...options })
      const startedAt = Date.now()
      const loading = Promise.all([alone.fetch('https://api.example.com/me'), alone.getAccessToken()])
      await vi.advanceTimersByTimeAsync(0)
      const [, token] = await loading
      expect(Date.now() - startedAt).toBe(0)
      expect([...sent, token]).toEqual([writer.getSnapshot().accessToken, writer.getSnapshot().accessToken])
    })
  })

  it('makes getAccessToken in a new tab wait for the handoff instead of answering null', async () => {
    const server = rotatingServer()
    const { tabs, open } = openTabs(1, server.refresh)
    tabs[0]!.login(server.loginPair())
    const pending = open().getAccessToken()
    await vi.advanceTimersByTimeAsync(0)
    expect(await pending).toBe(tabs[0]!.getSnapshot().accessToken)
    const lone = openTabs(1, server.refresh).tabs[0]!.getAccessToken()
    await vi.advanceTimersByTimeAsync(300)
    expect(await lone).toBeNull()
    expect(server.refresh).not.toHaveBeenCalled()
  })

  it('settles a first visit as unauthenticated at once when no tab holds a session, without waiting out handoffTimeout', async () => {
    const server = rotatingServer()
    const { tabs, events } = openTabs(1, server.refresh)
    await vi.advanceTimersByTimeAsync(0) // the marker locks' answer: a microtask, no time
    expect(tabs[0]!.getSnapshot().status).toBe('unauthenticated')
    expect(events[0]!.map((e) => e.type)).not.toContain('handoff_timeout')
  })

  it('still takes a session a tab offers after a first visit settled at once (a login elsewhere)', async () => {
    const server = rotatingServer()
    const { tabs, open } = openTabs(1, server.refresh)
    await vi.advanceTimersByTimeAsync(0)
    const other = open()
    await vi.advanceTimersByTimeAsync(0)
    other.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    expect(tabs[0]!.getSnapshot()).toMatchObject({ status: 'authenticated', sessionId: other.getSnapshot().sessionId })
  })

  it('waits for the answer while a tab holds a session: a new tab is never signed out before it hears', async () => {
    const server = rotatingServer()
    const { tabs, open } = openTabs(1, server.refresh, 50) // messages take 50 ms
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    const b = open()
    await vi.advanceTimersByTimeAsync(99) // the markers answered long ago; the question and its answer are on their way
    expect(b.getSnapshot().status).toBe('initializing')
    await vi.advanceTimersByTimeAsync(1)
    expect(b.getSnapshot().status).toBe('authenticated')
  })

  it('settles a lone new tab as unauthenticated after handoffTimeout where Web Locks cannot tell (locks: null)', async () => {
    const server = rotatingServer()
    const { open } = openTabs(0, server.refresh)
    const lone = open({ locks: null })
    await vi.advanceTimersByTimeAsync(299)
    expect(lone.getSnapshot().status).toBe('initializing')
    await vi.advanceTimersByTimeAsync(1)
    expect(lone.getSnapshot().status).toBe('unauthenticated')
  })

  it('delivers the rotated pair when the handoff arrives during an in-flight refresh', async () => {
    const server = rotatingServer()
    const { slow, release } = heldUntilReleased(server.refresh)
    const { tabs, open } = openTabs(1, slow)
    tabs[0]!.login(server.loginPair())
    const refreshing = tabs[0]!.refresh()
    const b = open()
    await vi.advanceTimersByTimeAsync(100)
    expect(b.getSnapshot().status).toBe('initializing')
    release()
    await refreshing
    await vi.advanceTimersByTimeAsync(0)
    expect(b.getSnapshot().accessToken).toBe(tabs[0]!.getSnapshot().accessToken)
    await b.refresh()
    expect(server.counts).toEqual({ refreshes: 2, reuse: 0 })
  })
})

describe('exactly-once refresh', () => {
  it('makes exactly one refresh request per rotation across 3 tabs over 10 rotations', async () => {
    const server = rotatingServer(60)
    const { tabs } = openTabs(3, server.refresh)
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    // Every rotation yields one new token; the server must have seen one request per rotation.
    const seen = new Set(tabs.map((tab) => tab.getSnapshot().accessToken))
    while (seen.size < 11) {
      await vi.advanceTimersByTimeAsync(1_000)
      tabs.forEach((tab) => seen.add(tab.getSnapshot().accessToken))
      expect(server.counts).toEqual({ refreshes: seen.size - 1, reuse: 0 })
    }
    const tokens = tabs.map((tab) => tab.getSnapshot().accessToken)
    expect(new Set(tokens).size).toBe(1)
    expect(tabs.every((tab) => tab.getSnapshot().status === 'authenticated')).toBe(true)
  })

  it('skips its own request when another tab rotated while it waited for the lock', async () => {
    const server = rotatingServer(60)
    const { tabs, events } = openTabs(2, server.refresh)
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    await Promise.all([tabs[0]!.refresh(), tabs[1]!.refresh()])
    expect(server.counts).toEqual({ refreshes: 1, reuse: 0 })
    expect(events[1]).toContainEqual({ type: 'refresh_skipped', reason: 'rotated_by_other_tab' })
  })

  it('waits for a broadcast that trails the lock instead of reusing a rotated token', async () => {
    const server = rotatingServer(60)
    const { tabs } = openTabs(2, server.refresh, 10) // messages take 10 ms, the lock hands over at once
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(10)
    const both = Promise.all([tabs[0]!.refresh(), tabs[1]!.refresh()])
    await vi.advanceTimersByTimeAsync(50)
    await both
    expect(server.counts).toEqual({ refreshes: 1, reuse: 0 })
    expect(tabs[1]!.getSnapshot().accessToken).toBe(tabs[0]!.getSnapshot().accessToken)
  })
})

describe('logout', () => {
  it('logs every tab out when one logs out while another refreshes, and discards the rotated pair', async () => {
    const server = rotatingServer()
    const { slow, release } = heldUntilReleased(server.refresh)
    const { tabs, events } = openTabs(3, slow)
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    const refreshing = tabs[1]!.refresh().catch((error) => error)
    await tabs[0]!.logout()
    release()
    expect(await refreshing).toMatchObject({ code: 'unauthenticated' })
    await vi.advanceTimersByTimeAsync(1_000)
    for (const tab of tabs) expect(tab.getSnapshot()).toMatchObject({ status: 'unauthenticated', accessToken: null })
    expect(events.map((log) => log.filter((e) => e.type === 'logged_out').length)).toEqual([1, 1, 1])
    expect(events.flat().filter((e) => e.type === 'session_adopted')).toHaveLength(2) // the two login adoptions only
  })

  it('a login in one tab reaches tabs that were logged out', async () => {
    const server = rotatingServer()
    const { tabs } = openTabs(2, server.refresh)
    await vi.advanceTimersByTimeAsync(300)
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    expect(tabs[1]!.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: tabs[0]!.getSnapshot().accessToken })
  })
})

describe('foreign messages', () => {
  it('changes nothing for garbage on the channel', async () => {
    const server = rotatingServer()
    const { tabs, harness } = openTabs(2, server.refresh)
    tabs[0]!.login(server.loginPair())
    await vi.advanceTimersByTimeAsync(0)
    const before = tabs.map((tab) => tab.getSnapshot())
    const olderLogin = { family: 'mallory', login: 0, since: 0, gen: 5 }
    const older = { v: 2, accessToken: createTestJwt({ sub: 'mallory' }), refreshToken: 'x', skew: 0, receivedAt: 0, ...olderLogin }
    const garbage: unknown[] = [
      null,
      42,
      'logout',
      [],
      {},
      { v: 3, type: 'logout', reason: 'user' },
      { v: 1, type: 'logout', reason: 'user' },
      { v: 2, type: 'logout' },
      { v: 2, type: 'logout', reason: 'user', ended: olderLogin },
      { v: 2, type: 'session-updated', reason: 'refresh', session: { v: 2, accessToken: 'not.a.jwt' } },
      { v: 2, type: 'session-updated', reason: 'login', session: older },
      { v: 2, type: 'session-updated', reason: 'login', session: { ...older, login: 99, accessToken: 'x'.repeat(50_000) } },
      { v: 2, type: 'session-response', nonce: 'unasked', session: older },
      { v: 2, type: 'session-request' },
      { v: 2, type: 'unknown' },
    ]
    for (const data of garbage) harness.inject('jwt-session:jwt-session', data)
    await vi.advanceTimersByTimeAsync(0)
    expect(tabs.map((tab) => tab.getSnapshot())).toEqual(before)
    expect(server.refresh).not.toHaveBeenCalled()
  })
})

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

describe('stop() while waiting for the other tabs', () => {
  it('settles getAccessToken that waits for the other tabs when the client stops meanwhile', async () => {
    const server = rotatingServer(60)
    const { open } = openTabs(0, server.refresh)
    const client = open()
    const waiting = client.getAccessToken()
    client.stop()
    expect(await waiting).toBeNull()
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
