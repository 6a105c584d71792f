// Session integrity across tabs in a real Chromium: a tab restored with its own stale
// sessionStorage, a login racing a refresh, and a lock holder frozen mid-refresh. The reference
// server rotates strictly (no grace window): a second use of a refresh token counts a reuse event
// and revokes the whole family, so every test ends on `reuseEvents: 0` and on every tab showing
// one and the same session.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { pageLog, RESTORED_MARKER, suiteHarness, waitForLog, waitForNewToken, waitForToken, waitUntil, type Harness } from './harness'
import type { PageSnapshot } from './page/api'
import { readClaims } from '../support/session'

const ALICE = { username: 'alice', password: 'alice-password', sub: 'user-alice' }
// The second seeded user (src/testing/server/users.ts seeds alice and admin).
const OTHER = { username: 'admin', password: 'admin-password', sub: 'user-admin' }

/** The payload of a JWT, read without verifying it (the server verified it when it mattered). */
const claimsOf = readClaims<{ sub?: string; exp?: number }>

/** Starts `client.refresh()` in the tab without waiting for it (the page logs `refresh_settled`). */
async function startRefresh(page: Page): Promise<void> {
  await page.evaluate(() => void window.e2e.refresh())
}

async function refreshNow(page: Page): Promise<string> {
  const { token, errorCode } = await page.evaluate(() => window.e2e.refresh())
  expect(errorCode, 'client.refresh() failed').toBeNull()
  return token!
}

/** Until every tab is authenticated with one and the same access token (not `not`); resolves to it. */
async function waitForAgreement(h: Harness, pages: Page[], timeout: number, not?: string): Promise<string> {
  let last: PageSnapshot[] = []
  try {
    await waitUntil(
      async () => {
        last = await Promise.all(pages.map((page) => h.snapshot(page)))
        const token = last[0]!.accessToken
        return token !== null && token !== not && last.every((s) => s.status === 'authenticated' && s.accessToken === token)
      },
      'every tab shows the same session',
      timeout,
    )
  } catch (error) {
    const seen = last.map((s) => `${s.tab}: ${s.status} ${s.sub ?? '-'} …${s.accessToken?.slice(-8) ?? 'null'}`)
    throw new Error(`${(error as Error).message} (last seen: ${seen.join('; ')}; server: ${JSON.stringify(await h.counters())})`)
  }
  return last[0]!.accessToken!
}

/** No tab logged out at any point of the test. */
async function expectNoLogout(pages: Page[]): Promise<void> {
  for (const page of pages) {
    const ended = (await pageLog(page)).filter((e) => e.type === 'logged_out')
    expect(ended, `tab ${await page.evaluate(() => window.e2e.tab)} logged out`).toEqual([])
  }
}

/** Every tab is signed in as `sub`, on one sessionId, and the API agrees about the user. */
async function expectSameUser(h: Harness, pages: Page[], user: { username: string; sub: string }): Promise<void> {
  const snapshots = await Promise.all(pages.map((page) => h.snapshot(page)))
  for (const snapshot of snapshots) expect(snapshot).toMatchObject({ status: 'authenticated', sub: user.sub })
  expect(snapshots[0]!.sessionId, 'getSnapshot().sessionId').toEqual(expect.any(String))
  expect(new Set(snapshots.map((s) => s.sessionId)).size).toBe(1)
  for (const page of pages)
    expect(await page.evaluate(() => window.e2e.me())).toMatchObject({ status: 200, body: { username: user.username } })
}

describe('with 60-second access tokens', () => {
  // Long tokens: no tab refreshes by its own schedule during a test, so every rotation is one the
  // test asked for and the counts are exact.
  const h = suiteHarness({ accessTokenTtl: 60 })

  describe('a tab restored with its own stale sessionStorage', () => {
    // Bound for the restored tab to take the open tab's session: the page's handoffTimeout (1 s) + 2 s.
    it('takes the newest session of the open tab within 3 s, and its next refresh uses the newest refresh token', async () => {
      const { context, tabs } = await h().loggedInTabs(2)
      const [a, b] = tabs as [Page, Page]
      const saved = await b.evaluate(() => Object.entries(sessionStorage))
      await h().closeTab(b)

      const mark = h().refreshLog.length
      await refreshNow(a)
      const newest = await refreshNow(a)
      const { sessionId } = await h().snapshot(a)

      const restored = await h().openTab(context, 'restored', {}, { restoreSessionStorage: saved })
      expect((await h().snapshot(restored)).sessionStorage[RESTORED_MARKER]).toBe('1')
      await waitForToken(restored, newest, 3_000)
      expect((await h().snapshot(restored)).sessionId).toBe(sessionId)

      // The restored tab now holds the newest refresh token: its own refresh rotates it once.
      const next = await refreshNow(restored)
      await waitForToken(a, next)

      expect(await h().counters()).toEqual({ logins: 1, refreshes: 3, reuseEvents: 0, unauthorized: 0, revocations: 0 })
      const { refreshLog } = h()
      expect(refreshLog.slice(mark).map(({ tab, status }) => ({ tab, status }))).toEqual([
        { tab: 't0', status: 200 },
        { tab: 't0', status: 200 },
        { tab: 'restored', status: 200 },
      ])
      await expectNoLogout([a, restored])
      await expectSameUser(h(), [a, restored], ALICE)
      expect((await h().snapshot(a)).sessionId).toBe(sessionId)
    })
  })

  describe('a login during a refresh', () => {
    /**
     * Alice's refresh in `refresher` is held at the server while `loginTab` logs in as the other
     * user; then the refresh is let through. Every tab must end on the new login and stay there.
     */
    async function loginDuringRefresh(sameTab: boolean) {
      const { tabs } = await h().loggedInTabs(2)
      const [a, b] = tabs as [Page, Page]
      const loginTab = sameTab ? a : b
      const mark = h().refreshLog.length
      await h().control('hold-refreshes')
      await startRefresh(a)
      await waitUntil(async () => (await h().pendingRefreshes()) === 1, 'the refresh is held at the server')
      const { refreshLog } = h()
      expect(refreshLog.slice(mark).map((r) => r.tab)).toEqual(['t0'])

      const login = await loginTab.evaluate(({ username, password }) => window.e2e.login(username, password), OTHER)
      for (const tab of tabs) await waitForToken(tab, login.accessToken)
      const sessionId = (await h().snapshot(loginTab)).sessionId

      await h().control('release-refreshes')
      // The held refresh has come back and the client has finished with it, one way or the other.
      await waitForLog(a, 'refresh_settled')
      // A rotation from `a` now: its broadcast trails anything `a` sent about the held refresh, so
      // once `b` shows it, `b` has heard everything `a` had to say.
      const next = await refreshNow(a)
      await waitForToken(b, next)

      await expectSameUser(h(), tabs, OTHER)
      expect((await h().snapshot(a)).sessionId).toBe(sessionId)
      expect(claimsOf(next).sub).toBe(OTHER.sub)
      // From the moment a tab showed the new login, it never showed another user's token.
      for (const tab of tabs) {
        const shown = (await pageLog(tab)).filter((e) => e.type === 'state' && typeof e.token === 'string').map((e) => e.token!)
        const since = shown.indexOf(login.accessToken)
        expect(since).toBeGreaterThanOrEqual(0)
        expect(shown.slice(since).map((token) => claimsOf(token).sub)).toEqual(shown.slice(since).map(() => OTHER.sub))
      }
      expect(await h().counters()).toMatchObject({ logins: 2, reuseEvents: 0, revocations: 0 })
      await expectNoLogout(tabs)
    }

    it('every tab ends on the new user when another tab logs in while a refresh is in flight', async () => {
      await loginDuringRefresh(false)
    })

    it('every tab ends on the new user when the refreshing tab itself logs in while its refresh is in flight', async () => {
      await loginDuringRefresh(true)
    })
  })

  describe('a lock holder frozen mid-refresh', () => {
    const REFRESH_TIMEOUT = 3_000
    // The client takes over a refresh lock held longer than refreshTimeout + 2 s; 2.5 s of slack.
    const TAKEOVER_BOUND = REFRESH_TIMEOUT + 2_000 + 2_500

    it(`another tab completes the rotation within refreshTimeout + 2 s + 2.5 s slack (${TAKEOVER_BOUND} ms), and the thawed tab adopts it without re-sending the spent token`, async () => {
      const { context, tabs, accessToken } = await h().loggedInTabs(2, { refreshTimeout: String(REFRESH_TIMEOUT) })
      const [a, b] = tabs as [Page, Page]
      const mark = h().refreshLog.length
      await h().control('hold-refreshes')
      await startRefresh(a)
      await waitUntil(async () => (await h().pendingRefreshes()) === 1, 'the refresh of tab a is held at the server')
      const heldAt = Date.now()
      const { refreshLog } = h()
      expect(refreshLog.slice(mark).map((r) => r.tab)).toEqual(['t0'])

      // Freeze a: its JavaScript stops at the next statement (its held answer will be the next),
      // while the browser keeps its refresh lock held.
      const cdp = await context.newCDPSession(a)
      let frozen = true
      try {
        await cdp.send('Debugger.enable')
        const paused = new Promise<void>((resolve) => cdp.once('Debugger.paused', () => resolve()))
        await cdp.send('Debugger.pause')
        // Let the held request fail without the server touching the token: a's refresh token is
        // still unused. a hears nothing of it while frozen.
        await h().control('fail-refreshes', { count: 1, status: 503 })
        await h().control('release-refreshes')
        await waitUntil(() => h().refreshLog[mark]!.status === 503, 'the held request is answered 503')
        await Promise.race([paused, new Promise((_, reject) => setTimeout(() => reject(new Error('tab a never paused')), 5_000))])

        await startRefresh(b)
        const rotated = await waitForNewToken(b, accessToken, Math.max(0, heldAt + TAKEOVER_BOUND - Date.now()))
        expect(refreshLog.slice(mark).map(({ tab, status }) => ({ tab, status }))).toEqual([
          { tab: 't0', status: 503 },
          { tab: 't1', status: 200 },
        ])
        expect(await h().counters()).toMatchObject({ refreshes: 1, reuseEvents: 0 })

        await cdp.send('Debugger.resume')
        frozen = false
        await cdp.detach()
        await waitForToken(a, rotated, 5_000)

        // a holds the pair b rotated to: a refresh of a's own rotates it once more, for both.
        const next = await refreshNow(a)
        await waitForToken(b, next)
        expect(refreshLog.slice(mark).map(({ tab, status }) => ({ tab, status }))).toEqual([
          { tab: 't0', status: 503 },
          { tab: 't1', status: 200 },
          { tab: 't0', status: 200 },
        ])
        expect(await h().counters()).toEqual({ logins: 1, refreshes: 2, reuseEvents: 0, unauthorized: 0, revocations: 0 })
        await expectNoLogout(tabs)
        await expectSameUser(h(), tabs, ALICE)
      } finally {
        if (frozen) await cdp.send('Debugger.resume').catch(() => {})
        await h().control('release-refreshes')
      }
    })
  })
})

describe('with 4-second access tokens', () => {
  const h = suiteHarness({ accessTokenTtl: 4 })

  // Bound for the restored tab to show the open tab's session: handoffTimeout (1 s) + 4 s, which
  // leaves room for one rotation of the open tab racing the restore.
  it('a tab restored with an expired stale copy takes the newest session within 5 s and never reuses its refresh token', async () => {
    const { context, tabs, accessToken } = await h().loggedInTabs(2)
    const [a, b] = tabs as [Page, Page]
    const saved = await b.evaluate(() => Object.entries(sessionStorage))
    await h().closeTab(b)
    const mark = h().refreshLog.length
    await refreshNow(a)

    // The saved copy's access token has to be expired when the tab comes back: only time does that.
    const expiresAt = claimsOf(accessToken).exp! * 1000
    await waitUntil(() => Date.now() > expiresAt + 250, 'the saved access token has expired', 6_000)

    const restored = await h().openTab(context, 'restored', {}, { restoreSessionStorage: saved })
    await waitForAgreement(h(), [a, restored], 5_000, accessToken)

    // And the restored tab's own refresh works with the newest refresh token.
    await refreshNow(restored)
    await waitForAgreement(h(), [a, restored], 5_000)

    const counters = await h().counters()
    expect(counters).toMatchObject({ logins: 1, reuseEvents: 0, unauthorized: 0, revocations: 0 })
    const { refreshLog } = h()
    expect(refreshLog.slice(mark).map((r) => r.status)).toEqual(Array<number>(counters.refreshes).fill(200))
    await expectNoLogout([a, restored])
    await expectSameUser(h(), [a, restored], ALICE)
  })
})
