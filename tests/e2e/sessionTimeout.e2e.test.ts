// sessionTimeout() in real Chromium: three tabs of one browser share the idle clock over
// BroadcastChannel, the session ends in all of them together with reason `idle`, and exactly one
// tab revokes it at the server (elected by a Web Lock). Real time throughout: the limits are a few
// seconds, and every bound below names its margin.
//
// Playwright's Chromium runs with background timer throttling and renderer backgrounding off, and
// its headless pages are all visible, so no tab here has its timers slowed: the test of each
// tab's own timer is fair. (A test that wanted throttled background tabs would have to remove
// those flags with `ignoreDefaultArgs`.)
import type { BrowserContext, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { pageLog, POLL, suiteHarness, waitForLog, waitForStatus, waitUntil, type Harness } from './harness'
import type { PageLogEntry } from './page/api'

const TABS = 3
/** How late a tab may end after its limit: timer lateness, channel and lock round trips, the in-page poll. */
const LATE = 1_500
/**
 * Clock reads in different places may disagree this much: the tab logs read the monotonic clock
 * (`performance`), the client reads `Date.now`, which a virtual machine slews against it; up to
 * 62 ms over a test was seen on a CI machine. An end counted from the wrong moment is off by seconds.
 */
const CLOCKS = 100

const epochNow = (page: Page) => page.evaluate(() => performance.timeOrigin + performance.now())

/** Waits until every tab is signed out; `timeout` is per tab, from the call. */
async function waitAllSignedOut(tabs: Page[], timeout: number): Promise<void> {
  const deadline = Date.now() + timeout
  for (const tab of tabs) await waitForStatus(tab, 'unauthenticated', Math.max(1, deadline - Date.now()))
}

/**
 * Waits until no tab has a revoke on the wire (every `revoke_request` in its log has its
 * `revoke_response`), then returns the server's revokes since `mark`. Once every tab is signed
 * out no tab can start another (each has ended its session), so this count is final.
 */
async function settledRevokes(h: Harness, tabs: Page[], mark: number) {
  for (const tab of tabs) {
    await tab.waitForFunction(
      () => {
        const log = window.e2e.log()
        return log.filter((e) => e.type === 'revoke_request').length === log.filter((e) => e.type === 'revoke_response').length
      },
      undefined,
      { polling: POLL, timeout: 5_000 },
    )
  }
  let sent = 0
  for (const tab of tabs) sent += (await pageLog(tab)).filter((e) => e.type === 'revoke_request').length
  const revokes = h.revokeLog.slice(mark)
  expect(revokes.length, 'revokes at the server vs revoke requests the tabs sent').toBe(sent)
  return revokes
}

/** The one `logged_out` entry of a tab's log (asserting it is the only one). */
function loggedOut(log: PageLogEntry[]): PageLogEntry {
  const ended = log.filter((e) => e.type === 'logged_out')
  expect(ended).toEqual([expect.objectContaining({ reason: 'idle' })])
  return ended[0]!
}

async function expectEndedIdle(tabs: Page[], h: Harness): Promise<void> {
  for (const tab of tabs) {
    const snapshot = await h.snapshot(tab)
    expect(snapshot, snapshot.tab).toMatchObject({
      status: 'unauthenticated',
      accessToken: null,
      sessionId: null,
      ended: { reason: 'idle', fromOtherTab: expect.any(Boolean) },
      expiring: null,
      storedRefreshToken: null,
    })
  }
}

/** The fingerprint cookie of the context (HttpOnly: only the browser and this test can read it). */
async function fingerprintCookie(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((c) => c.name === 'jwt-fgp')
  if (!cookie) throw new Error('no jwt-fgp cookie after login')
  return `${cookie.name}=${cookie.value}`
}

describe('idle timeout across three tabs', () => {
  // Tokens outlive every test here: the only thing that can end these sessions is the idle limit.
  const h = suiteHarness({ accessTokenTtl: 60 })

  it('ends the session in all three tabs after idleTimeout without input, with one revoke at the server', async () => {
    const IDLE = 4_000
    const WARN = 1_500
    const revokeMark = h().revokeLog.length
    const refreshMark = h().refreshLog.length
    const { context, tabs, refreshToken } = await h().loggedInTabs(TABS, { idleTimeout: String(IDLE), warnBefore: String(WARN) })
    const fingerprint = await fingerprintCookie(context)
    const loggedInAt = (await pageLog(tabs[0]!)).find((e) => e.type === 'logged_in')!.t
    for (const tab of tabs) expect(await tab.evaluate(() => document.visibilityState)).toBe('visible')

    await waitAllSignedOut(tabs, IDLE + LATE + 2_000)
    await expectEndedIdle(tabs, h())

    for (const tab of tabs) {
      const log = await pageLog(tab)
      const ended = loggedOut(log)
      // Each tab counts from when it got the session (the login, or its adoption a moment later),
      // so no tab can end before the login plus the limit, and none much after.
      expect(ended.t - loggedInAt, `${tab.url()} ended ms after login`).toBeGreaterThanOrEqual(IDLE - CLOCKS)
      expect(ended.t - loggedInAt, `${tab.url()} ended ms after login`).toBeLessThanOrEqual(IDLE + LATE)
      // The warning came first, once, naming the idle limit and (about) the moment it ended.
      const warnings = log.filter((e) => e.type === 'session_expiring')
      expect(warnings).toEqual([expect.objectContaining({ reason: 'idle', at: expect.any(Number) })])
      const [warning] = warnings as [PageLogEntry]
      expect(warning.t).toBeLessThan(ended.t)
      // Shown no earlier than WARN before the limit it names (and not much later), ended at that limit.
      expect(warning.at! - warning.t).toBeLessThanOrEqual(WARN + CLOCKS)
      expect(warning.at! - warning.t).toBeGreaterThanOrEqual(WARN - LATE)
      expect(ended.t).toBeGreaterThanOrEqual(warning.at! - CLOCKS)
      expect(ended.t - warning.at!).toBeLessThanOrEqual(LATE)
    }

    // Exactly one tab revoked (the elected one); the server revoked one live session with it.
    const revokes = await settledRevokes(h(), tabs, revokeMark)
    expect(revokes.map(({ path, status }) => ({ path, status }))).toEqual([{ path: '/auth/logout', status: 204 }])
    expect(tabs.map((_, i) => `t${i}`)).toContain(revokes[0]!.tab)
    const ends: string[] = []
    for (const tab of tabs) {
      const { tab: name, ended } = await h().snapshot(tab)
      const at = loggedOut(await pageLog(tab)).t - loggedInAt
      ends.push(`${name} +${at.toFixed(0)} ms${ended?.fromOtherTab ? ' (told by another tab)' : ''}`)
    }
    console.info(`[sessionTimeout] idle ${IDLE} ms: ${ends.join(', ')}; revoked by ${revokes[0]!.tab}`)
    expect(h().refreshLog.slice(refreshMark)).toEqual([])
    expect(await h().counters()).toEqual({ logins: 1, refreshes: 0, reuseEvents: 0, unauthorized: 0, revocations: 1 })

    // The refresh token the tabs held is dead at the server: presented with the right fingerprint
    // cookie it is refused, and not as a reuse (it was never spent: its session was revoked).
    const probe = await fetch(`${h().url}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: fingerprint },
      body: JSON.stringify({ refreshToken }),
    })
    expect(probe.status).toBe(401)
    expect(await probe.json()).toEqual({ error: 'invalid_grant' })
    expect(await h().counters()).toMatchObject({ refreshes: 0, reuseEvents: 0, revocations: 1 })
  })

  it('keeps all three tabs signed in while one tab has input, then ends all of them idleTimeout after the last input', async () => {
    const IDLE = 4_000
    const INPUT_FOR = 2.5 * IDLE
    const INPUT_EVERY = 400
    const revokeMark = h().revokeLog.length
    const { tabs, accessToken } = await h().loggedInTabs(TABS, { idleTimeout: String(IDLE) })
    const busy = tabs[1]!

    // Real input through the browser (CDP Input.*), in one tab only: mouse moves, a key now and then.
    // Each move goes somewhere new (x alternates), so every one is a pointermove.
    const until = Date.now() + INPUT_FOR
    let step = 0
    let lastInputBefore = 0
    for (;;) {
      step++
      if (step % 5 === 0) await busy.keyboard.press('Shift')
      else await busy.mouse.move(100 + (step % 2) * 50, 100 + (step % 3) * 20)
      // Read in the tab just after the input was delivered: the input came no later than this.
      lastInputBefore = await epochNow(busy)
      if (Date.now() >= until) break
      await new Promise((resolve) => setTimeout(resolve, INPUT_EVERY))
    }

    // Longer than the limit has passed since the login: only the shared input can have kept them.
    for (const tab of tabs) {
      const snapshot = await h().snapshot(tab)
      expect(snapshot, snapshot.tab).toMatchObject({ status: 'authenticated', accessToken, ended: null })
      expect((await pageLog(tab)).filter((e) => e.type === 'logged_out')).toEqual([])
    }
    expect(h().revokeLog.slice(revokeMark)).toEqual([])

    await waitAllSignedOut(tabs, IDLE + LATE + 2_000)
    await expectEndedIdle(tabs, h())
    for (const tab of tabs) {
      const ended = loggedOut(await pageLog(tab))
      // The last input came no later than `lastInputBefore`, and only one evaluate round trip earlier.
      expect(ended.t - lastInputBefore, `${tab.url()} ended ms after the last input`).toBeGreaterThanOrEqual(IDLE - 100)
      expect(ended.t - lastInputBefore, `${tab.url()} ended ms after the last input`).toBeLessThanOrEqual(IDLE + LATE)
    }
    expect((await settledRevokes(h(), tabs, revokeMark)).map(({ path, status }) => ({ path, status }))).toEqual([
      { path: '/auth/logout', status: 204 },
    ])
    expect(await h().counters()).toEqual({ logins: 1, refreshes: 0, reuseEvents: 0, unauthorized: 0, revocations: 1 })
  })

  it('dismisses the idle warning in every tab when one tab calls extend(), and restarts the idle clock', async () => {
    const IDLE = 5_000
    const WARN = 2_000
    const revokeMark = h().revokeLog.length
    const { tabs, accessToken } = await h().loggedInTabs(TABS, { idleTimeout: String(IDLE), warnBefore: String(WARN) })

    for (const tab of tabs) await waitForLog(tab, 'session_expiring', 1, IDLE)
    for (const tab of tabs) expect((await h().snapshot(tab)).expiring).toMatchObject({ reason: 'idle' })
    const extendedAt = await epochNow(tabs[2]!)
    await tabs[2]!.evaluate(() => window.e2e.extend())

    // Every tab drops the warning (the other two hear it on the channel) and stays signed in.
    for (const tab of tabs) {
      await tab.waitForFunction(() => window.e2e.snapshot().expiring === null, undefined, { polling: POLL, timeout: 2_000 })
      expect(await h().snapshot(tab)).toMatchObject({ status: 'authenticated', accessToken })
    }
    // The warning comes back for the new deadline, and the end follows IDLE after extend().
    for (const tab of tabs) await waitForLog(tab, 'session_expiring', 2, IDLE)
    await waitAllSignedOut(tabs, WARN + LATE + 2_000)
    await expectEndedIdle(tabs, h())
    for (const tab of tabs) {
      const log = await pageLog(tab)
      const ended = loggedOut(log)
      expect(ended.t - extendedAt, `${tab.url()} ended ms after extend()`).toBeGreaterThanOrEqual(IDLE - CLOCKS)
      expect(ended.t - extendedAt, `${tab.url()} ended ms after extend()`).toBeLessThanOrEqual(IDLE + LATE)
      expect(log.filter((e) => e.type === 'session_expiring').map((e) => e.reason)).toEqual(['idle', 'idle'])
    }
    expect((await settledRevokes(h(), tabs, revokeMark)).map(({ path, status }) => ({ path, status }))).toEqual([
      { path: '/auth/logout', status: 204 },
    ])
    expect(await h().counters()).toMatchObject({ logins: 1, reuseEvents: 0, revocations: 1 })
  })
})

describe('idle timeout with short-lived tokens', () => {
  const TTL = 2

  // Two-second access tokens: each is refreshed at about two thirds of its life, in the background.
  const h = suiteHarness({ accessTokenTtl: TTL })

  it('ends the session at the idle limit although background refreshes kept rotating it', async () => {
    const IDLE = 5_000
    const refreshMark = h().refreshLog.length
    const revokeMark = h().revokeLog.length
    const { tabs } = await h().loggedInTabs(TABS, { idleTimeout: String(IDLE) })
    const loggedInAt = (await pageLog(tabs[0]!)).find((e) => e.type === 'logged_in')!.t

    await waitAllSignedOut(tabs, IDLE + LATE + 2_000)
    await expectEndedIdle(tabs, h())
    for (const tab of tabs) {
      const ended = loggedOut(await pageLog(tab))
      expect(ended.t - loggedInAt, `${tab.url()} ended ms after login`).toBeGreaterThanOrEqual(IDLE - CLOCKS)
      expect(ended.t - loggedInAt, `${tab.url()} ended ms after login`).toBeLessThanOrEqual(IDLE + LATE)
    }

    // Refreshes happened all along (one tab each time, every one accepted), and kept nothing alive.
    const refreshes = h().refreshLog.slice(refreshMark)
    expect(refreshes.length).toBeGreaterThan(0)
    expect(refreshes.every((r) => r.status === 200 || r.aborted)).toBe(true)
    const counters = await h().counters()
    expect(counters.refreshes).toBeGreaterThan(0)
    expect(counters).toMatchObject({ logins: 1, reuseEvents: 0, revocations: 1 })
    expect((await settledRevokes(h(), tabs, revokeMark)).map(({ path, status }) => ({ path, status }))).toEqual([
      { path: '/auth/logout', status: 204 },
    ])
    console.info(`[sessionTimeout] ${counters.refreshes} refreshes (${refreshes.length} requests) in ${IDLE} ms idle before the end`)

    // Nothing starts again afterwards: no refresh goes out for longer than a token's whole life.
    const afterEnd = h().refreshLog.length
    await new Promise((resolve) => setTimeout(resolve, TTL * 1000 + 500))
    expect(h().refreshLog.slice(afterEnd)).toEqual([])
    for (const tab of tabs) expect((await h().snapshot(tab)).status).toBe('unauthenticated')
    await waitUntil(async () => (await h().pendingRefreshes()) === 0, 'no refresh is pending at the server', 1_000)
  })
})
