// What goes wrong in real browsers: a tab closed in the middle of the refresh it holds the lock
// for, a refresh endpoint that answers 503 for a while, a token carried off to another browser.
// Same server settings as crossTab.e2e.test.ts: 6-second access tokens, strict rotation.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { pageLog, suiteHarness, waitForNewToken, waitForStatus, waitForToken, waitUntil } from './harness'
import { expectNoTokenLeaks } from './tokenLeaks'

const h = suiteHarness({ accessTokenTtl: 6 })

/** Tabs whose refresh request has left and not been answered yet. */
async function refreshingTabs(tabs: Page[]): Promise<Page[]> {
  const onTheWire = await Promise.all(
    tabs.map(async (tab) => {
      const log = await pageLog(tab)
      const sent = log.filter((e) => e.type === 'refresh_request').length
      return sent > log.filter((e) => e.type === 'refresh_response').length
    }),
  )
  return tabs.filter((_, i) => onTheWire[i])
}

describe('refresh failures', () => {
  it('completes the rotation in another tab when the lock holder closes mid-refresh', async () => {
    const { tabs, accessToken } = await h().loggedInTabs(5)
    const mark = h().refreshLog.length
    await h().control('hold-refreshes')
    await waitUntil(async () => (await h().pendingRefreshes()) === 1, 'a refresh is held at the server', 15_000)

    const holders = await refreshingTabs(tabs)
    expect(holders).toHaveLength(1)
    const holder = holders[0]!
    const held = h().refreshLog[mark]!
    expect(h().refreshLog.length).toBe(mark + 1)
    expect(held.tab).toBe(await holder.evaluate(() => window.e2e.tab))

    await h().closeTab(holder)
    // Closing the tab drops its connection: the server sees the request go away unanswered, and
    // the browser releases the tab's lock, so a waiting tab takes over with the same unused token.
    await waitUntil(() => held.aborted, 'the held request is aborted')
    await waitUntil(() => h().refreshLog.length === mark + 2, 'another tab sends the refresh')
    await h().control('release-refreshes')

    const survivors = tabs.filter((tab) => tab !== holder)
    const next = await waitForNewToken(survivors[0]!, accessToken)
    for (const tab of survivors) await waitForToken(tab, next)

    const successor = h().refreshLog[mark + 1]!
    const { refreshLog } = h()
    expect(refreshLog.slice(mark).map(({ aborted, status }) => ({ aborted, status }))).toEqual([
      { aborted: true, status: 503 },
      { aborted: false, status: 200 },
    ])
    expect(successor.tab).not.toBe(held.tab)
    expect(await h().counters()).toMatchObject({ refreshes: 1, reuseEvents: 0, logins: 1 })
    for (const tab of survivors) {
      const snapshot = await h().snapshot(tab)
      expect(snapshot).toMatchObject({ status: 'authenticated', accessToken: next })
      expect(JSON.parse(snapshot.sessionStorage['jwt-session']!)).toMatchObject({ accessToken: next })
    }
    for (const tab of survivors) expect(await tab.evaluate(() => window.e2e.me())).toMatchObject({ status: 200 })
  })

  it('keeps the session in every tab while refresh answers 503, and recovers after', async () => {
    const FAILURES = 6
    const { tabs, accessToken } = await h().loggedInTabs(5)
    const mark = h().refreshLog.length
    await h().control('fail-refreshes', { count: FAILURES, status: 503 })

    const next = await waitForNewToken(tabs[0]!, accessToken, 30_000)
    for (const tab of tabs) await waitForToken(tab, next)

    const logs = await Promise.all(tabs.map((tab) => pageLog(tab)))
    const failures = logs.flat().filter((e) => e.type === 'refresh_failed')
    expect(failures).toHaveLength(FAILURES)
    for (const failure of failures) {
      expect(failure).toMatchObject({ code: 'refresh_failed', httpStatus: 503 })
      expect(failure.retryIn).toBeGreaterThan(0)
    }
    // From the moment each tab held the session, it never left `authenticated`.
    for (const log of logs) {
      const states = log.filter((e) => e.type === 'state')
      const since = states.findIndex((e) => e.token === accessToken)
      expect(since).toBeGreaterThanOrEqual(0)
      expect(states.slice(since).map((e) => e.status)).toEqual(states.slice(since).map(() => 'authenticated'))
    }
    const { refreshLog } = h()
    expect(refreshLog.slice(mark).map((r) => r.status)).toEqual([...Array<number>(FAILURES).fill(503), 200])
    expect(await h().counters()).toMatchObject({ refreshes: 1, reuseEvents: 0, logins: 1 })
    for (const tab of tabs) expect(await tab.evaluate(() => window.e2e.me())).toMatchObject({ status: 200 })
  })
})

describe('refresh in flight', () => {
  it('drops the refresh in flight when another tab logs out, and the server never rotates it', async () => {
    const { tabs } = await h().loggedInTabs(3)
    const mark = h().refreshLog.length
    await h().control('hold-refreshes')
    await waitUntil(async () => (await h().pendingRefreshes()) === 1, 'a refresh is held at the server', 15_000)
    const [holder] = await refreshingTabs(tabs)
    const other = tabs.find((tab) => tab !== holder)!

    await other.evaluate(() => window.e2e.logout())
    for (const tab of tabs) await waitForStatus(tab, 'unauthenticated')
    // The logout aborted the holder's request: the server saw it go away before any rotation.
    await waitUntil(() => h().refreshLog[mark]!.aborted, 'the held request is aborted')
    await h().control('release-refreshes')

    await expect.poll(() => h().counters()).toMatchObject({ refreshes: 0, reuseEvents: 0, revocations: 1 })
    const { refreshLog } = h()
    expect(refreshLog.slice(mark).map(({ aborted, status }) => ({ aborted, status }))).toEqual([{ aborted: true, status: 503 }])
    for (const tab of tabs) {
      expect(await h().snapshot(tab)).toMatchObject({ status: 'unauthenticated', sessionStorage: {} })
      expect((await pageLog(tab)).filter((e) => e.type === 'refresh_succeeded')).toEqual([])
    }
  })

  // A refresh held longer than the new tab's handoffTimeout: the refreshing tab answers with the
  // pair in hand before the new tab gives up, and the rotation's broadcast then upgrades it.
  it('authenticates a tab opened while the only other tab waits on a slow refresh', async () => {
    const { context, tabs, accessToken } = await h().loggedInTabs(1)
    await h().control('hold-refreshes')
    await waitUntil(async () => (await h().pendingRefreshes()) === 1, 'a refresh is held at the server', 15_000)
    const late = await h().openTab(context, 'late')
    await late.waitForFunction(() => window.e2e.snapshot().status !== 'initializing')
    await h().control('release-refreshes')
    const next = await waitForNewToken(tabs[0]!, accessToken)
    await waitForToken(late, next, 2_000)
  })
})

describe('token theft', () => {
  const callMe = (page: Page, token: string) =>
    page.evaluate(async (t) => (await fetch('/api/me', { headers: { Authorization: `Bearer ${t}` } })).status, token)
  const callRefresh = (page: Page, token: string) =>
    page.evaluate(
      async (t) =>
        (
          await fetch('/auth/refresh', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ refreshToken: t }),
          })
        ).status,
      token,
    )

  it('refuses tokens replayed from another browser profile, which lacks the fingerprint cookie', async () => {
    const { tabs, accessToken, refreshToken } = await h().loggedInTabs(1)
    const victim = tabs[0]!
    const thief = await h().openTab(await h().newContext(), 'thief')

    expect(await callMe(thief, accessToken)).toBe(401)
    expect(await callMe(victim, accessToken)).toBe(200)
    // The stolen refresh token is refused too, and refusing it neither rotates nor burns the session.
    expect(await callRefresh(thief, refreshToken)).toBe(401)
    expect(await h().counters()).toMatchObject({ refreshes: 0, reuseEvents: 0, revocations: 0, unauthorized: 2 })
    expect(await victim.evaluate(() => window.e2e.me())).toMatchObject({ status: 200, body: { username: 'alice' } })
  })
})

describe('token storage', () => {
  it('never writes a token of this run to localStorage, document.cookie or IndexedDB', async () => {
    await expectNoTokenLeaks(h())
  })
})
