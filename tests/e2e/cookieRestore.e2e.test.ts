// cookieRestore in real Chromium: a cookie-mode login survives every tab closing (the refresh
// token lives only in the server's HttpOnly cookie, the browser profile keeps it), and tabs that
// restore at the same time make exactly one refresh request between them (a Web Lock elects the
// tab that asks; the others wait for it, then ask the tabs). Without a valid cookie the same
// single request is refused and every tab settles signed out, quietly.
//
// "At the same time" is forced in the first describe: the elected tab's request is held at the
// server until the other four wait on the restore lock. The second describe opens five tabs
// together and lets them run: Playwright starts them up to ~0.5 s apart, so a tab may reach its
// restore after the elected one has finished, and the exact count is not what those tests check.
import type { BrowserContext, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { pageLog, POLL, suiteHarness, waitForStatus, waitUntil } from './harness'
import type { PageLogEntry } from './page/api'

const TABS = 5
const RESTORE = { restore: 'cookie' }
/** The Web Lock cookieRestore elects with (storage key `jwt-session`). */
const RESTORE_LOCK = 'jwt-session:jwt-session:restore'
/** Events a quiet cold start must not show. */
const LOUD = ['logged_out', 'refresh_failed', 'logged_in']

const h = suiteHarness({ accessTokenTtl: 60 })

/** Opens `count` tabs together (as a browser restoring its windows), each waiting for its client. */
function openTabsAtOnce(context: BrowserContext, count: number, query: Record<string, string>): Promise<Page[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => h().openTab(context, `r${i}`, query)))
}

/** Until every tab has settled (`ready()`) and has no refresh on the wire; returns the tabs' logs. */
async function settled(tabs: Page[]) {
  const logs = []
  for (const tab of tabs) {
    await tab.evaluate(() => window.e2e.ready())
    await tab.waitForFunction(
      () => {
        const log = window.e2e.log()
        return log.filter((e) => e.type === 'refresh_request').length === log.filter((e) => e.type === 'refresh_response').length
      },
      undefined,
      { polling: POLL, timeout: 5_000 },
    )
    logs.push(await pageLog(tab))
  }
  return logs
}

/** Until, seen from `page`, one tab holds the restore lock and `waiting` others wait for it. */
async function waitForRestoreQueue(page: Page, waiting: number): Promise<void> {
  // Polled from here: waitForFunction would take the predicate's promise itself as truthy.
  const queue = () =>
    page.evaluate(async (name) => {
      const { held = [], pending = [] } = await navigator.locks.query()
      return { held: held.filter((l) => l.name === name).length, pending: pending.filter((l) => l.name === name).length }
    }, RESTORE_LOCK)
  await waitUntil(async () => {
    const { held, pending } = await queue()
    return held === 1 && pending === waiting
  }, `one tab holds ${RESTORE_LOCK} and ${waiting} wait for it`)
}

/** Opens five tabs together with the elected tab's request held at the server until the other four wait for it. */
async function restoringTogether(context: BrowserContext): Promise<Page[]> {
  await h().control('hold-refreshes')
  try {
    const tabs = await openTabsAtOnce(context, TABS, RESTORE)
    await waitUntil(async () => (await h().pendingRefreshes()) === 1, 'the elected tab’s refresh is held at the server')
    await waitForRestoreQueue(tabs[0]!, TABS - 1)
    return tabs
  } finally {
    await h().control('release-refreshes')
  }
}

/** A cold start that found the session: all tabs on one login, one tab restored it from the cookie, nobody logged out. */
async function expectRestoredEverywhere(tabs: Page[], logs: PageLogEntry[][], before: string | null) {
  const snapshots = await Promise.all(tabs.map((tab) => h().snapshot(tab)))
  for (const snapshot of snapshots) {
    expect(snapshot, snapshot.tab).toMatchObject({ status: 'authenticated', errorCode: null, storedRefreshToken: null })
  }
  expect(new Set(snapshots.map((s) => s.sessionId)).size, 'one sessionId in all five tabs').toBe(1)
  expect(new Set(snapshots.map((s) => s.accessToken)).size, 'one access token in all five tabs').toBe(1)
  // The restored login is a new one in the client's terms (the closed tab's ended with it).
  expect(snapshots[0]!.sessionId).toEqual(expect.any(String))
  expect(snapshots[0]!.sessionId).not.toBe(before)
  for (const [i, log] of logs.entries())
    expect(
      log.filter((e) => LOUD.includes(e.type)),
      `r${i}`,
    ).toEqual([])
  expect(await tabs[0]!.evaluate(() => window.e2e.me())).toMatchObject({ status: 200 })
  return logs.map((log) => log.filter((e) => e.type === 'session_restored' && e.from === 'cookie').length)
}

/** Signs out from a tab of `context` (the server revokes the session and clears both cookies), then closes it. */
async function signOutAndClose(context: BrowserContext): Promise<void> {
  const last = await h().openTab(context, 'logout', RESTORE)
  await waitForStatus(last, 'authenticated', 10_000)
  await last.evaluate(() => window.e2e.logout())
  await h().closeTab(last)
  expect(await context.cookies()).toEqual([])
}

/** A cold start without a valid cookie: every tab signed out, quietly (no event, no error). */
async function expectQuietlySignedOut(tabs: Page[], logs: PageLogEntry[][]) {
  for (const [i, tab] of tabs.entries()) {
    expect(await h().snapshot(tab), `r${i}`).toMatchObject({ status: 'unauthenticated', accessToken: null, errorCode: null, ended: null })
    expect(
      logs[i]!.filter((e) => [...LOUD, 'session_restored'].includes(e.type)),
      `r${i}`,
    ).toEqual([])
  }
}

/** A context whose only tab signed in in cookie mode and was then closed: the cookies stay. */
async function signedInThenClosed() {
  const context = await h().newContext()
  const first = await h().openTab(context, 'login', RESTORE)
  const { accessToken } = await first.evaluate(() => window.e2e.loginCookieMode())
  const snapshot = await h().snapshot(first)
  expect(snapshot).toMatchObject({ status: 'authenticated', accessToken, storedRefreshToken: null })
  await h().closeTab(first)
  expect(context.pages()).toEqual([])
  expect((await context.cookies()).map((c) => c.name).sort()).toEqual(['jwt-fgp', 'jwt-rt'])
  return { context, sessionId: snapshot.sessionId }
}

describe('five tabs restoring at the same time', () => {
  it('restores the session in all five with exactly one refresh request', async () => {
    const { context, sessionId: before } = await signedInThenClosed()
    await h().control('reset-counters')
    const mark = h().refreshLog.length

    const tabs = await restoringTogether(context)
    for (const tab of tabs) await waitForStatus(tab, 'authenticated', 10_000)
    const logs = await settled(tabs)

    const requests = h().refreshLog.slice(mark)
    expect(requests.map(({ status, aborted }) => ({ status, aborted }))).toEqual([{ status: 200, aborted: false }])
    expect(await h().counters()).toMatchObject({ logins: 0, refreshes: 1, reuseEvents: 0, revocations: 0 })
    const fromCookie = await expectRestoredEverywhere(tabs, logs, before)
    // The tab that asked says so; each of the others got the session from it.
    expect(fromCookie.reduce((a, b) => a + b)).toBe(1)
    expect(requests[0]!.tab).toBe(`r${fromCookie.indexOf(1)}`)
    for (const [i, log] of logs.entries()) {
      if (fromCookie[i] === 0) expect(log.filter((e) => e.type === 'session_adopted').length, `r${i} adopted`).toBe(1)
    }
  })

  it('settles all five as signed out after a logout, quietly, with exactly one refused request', async () => {
    const { context } = await signedInThenClosed()
    await signOutAndClose(context)
    await h().control('reset-counters')
    const mark = h().refreshLog.length

    const tabs = await restoringTogether(context)
    const logs = await settled(tabs)

    // No cookie at all: the server refuses the request as malformed (400), which is "not signed in".
    const { refreshLog } = h()
    expect(refreshLog.slice(mark).map(({ status }) => status)).toEqual([400])
    await expectQuietlySignedOut(tabs, logs)
  })
})

describe('five tabs opened together, timing left to the browser', () => {
  it('restores the session in all five with exactly one refresh request', async () => {
    const { context, sessionId: before } = await signedInThenClosed()
    await h().control('reset-counters')
    const mark = h().refreshLog.length

    const tabs = await openTabsAtOnce(context, TABS, RESTORE)
    for (const tab of tabs) await waitForStatus(tab, 'authenticated', 10_000)
    const logs = await settled(tabs)

    // The tab that asked signed in and told the others before it let go of the lock: a tab that
    // comes later gets the session by handoff and never asks the server.
    const requests = h().refreshLog.slice(mark)
    expect(requests.map(({ status }) => status)).toEqual([200])
    expect(await h().counters()).toMatchObject({ logins: 0, refreshes: 1, reuseEvents: 0, revocations: 0 })
    const fromCookie = await expectRestoredEverywhere(tabs, logs, before)
    expect(fromCookie.reduce((a, b) => a + b)).toBe(1)
  })

  it('settles all five as signed out after a logout, quietly, with exactly one refused request', async () => {
    const { context } = await signedInThenClosed()
    await signOutAndClose(context)
    await h().control('reset-counters')
    const mark = h().refreshLog.length

    const tabs = await openTabsAtOnce(context, TABS, RESTORE)
    const logs = await settled(tabs)

    // The refusal is remembered for the next 10 s by a Web Lock marker: later tabs do not ask again.
    const { refreshLog } = h()
    expect(refreshLog.slice(mark).map(({ status }) => status)).toEqual([400])
    await expectQuietlySignedOut(tabs, logs)
  })
})

describe('a tab that holds the restore turn and never lets go (frozen, suspended, in a debugger)', () => {
  it('has it taken over after refreshTimeout + 2 s: the new tab restores with one request', async () => {
    const { context } = await signedInThenClosed()
    await h().control('reset-counters')
    const mark = h().refreshLog.length
    await h().openTab(context, 'frozen', { holdLock: RESTORE_LOCK })
    const tab = await h().openTab(context, 'r0', { ...RESTORE, refreshTimeout: '1000' })
    const openedAt = Date.now()
    expect(await tab.evaluate(() => window.e2e.ready())).toMatchObject({ status: 'authenticated' })
    expect(Date.now() - openedAt).toBeGreaterThan(2_000) // it waited for the holder first
    const answered = h().refreshLog.slice(mark)
    expect(answered.map(({ status }) => status)).toEqual([200])
    expect(await h().counters()).toMatchObject({ logins: 0, refreshes: 1, reuseEvents: 0 })
  })
})
