// The cross-tab core in each engine: Chromium, Firefox and WebKit (`ENGINES=firefox` runs one).
// Several tabs of one browser profile (real BroadcastChannel, Web Locks, per-tab sessionStorage)
// against the reference server with strict rotation: no grace window, so a refresh token sent
// twice revokes the session at once and shows in `reuseEvents`. Counts at the server are exact
// where the library promises exactness.
//
// Not here: what only Chromium's DevTools protocol can do, freezing a tab mid-refresh
// (Debugger.pause) and the takeover of its lock (tests/e2e/integrity), and the probes of
// Chromium's own bfcache eviction rules (tests/e2e/bfcache).
import { decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import type { PageLogEntry } from '../e2e/page/api'
import { selectedEngines } from './browsers'
import { expectTokensOnlyInSessionStorage, sawProbes, writeProbes } from '../e2e/tokenLeaks'
import { waitUntil } from '../e2e/waits'
import { engineBrowser, serverSuite, type Harness, type HTab } from './harness'

const ALICE = { username: 'alice', password: 'alice-password', sub: 'user-alice' }
const ADMIN = { username: 'admin', password: 'admin-password', sub: 'user-admin' }
const TABS = 3
/** The Web Lock cookieRestore elects with (storage key `jwt-session`). */
const RESTORE_LOCK = 'jwt-session:jwt-session:restore'
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/

const log = (tab: HTab) => tab.evaluate(() => window.e2e.log())
const ofType = (entries: PageLogEntry[], ...types: string[]) => entries.filter((e) => types.includes(e.type))
const sub = (token: string) => decodeJwt(token).sub
const boundTo = (token: string) => (decodeJwt(token).cnf as { jkt?: string } | undefined)?.jkt

/** `bfcache=1`: the document is served without no-store, so the engine may keep it in its bfcache. */
const CACHEABLE = { bfcache: '1' }

/** Back to the page named `name`; resolves to its last `pageshow`'s `persisted` (true: restored from bfcache). */
async function back(h: Harness, tab: HTab, name: string): Promise<{ persisted: boolean }> {
  await tab.back()
  // The page's own pageshow entry, registered before the client's listener.
  return h.waitFor(
    tab,
    (n) => {
      if (window.e2e?.tab !== n) return null
      const last = window.e2e
        .log()
        .filter((e) => e.type === 'pageshow' || e.type === 'pagehide')
        .at(-1)
      return last?.type === 'pageshow' ? { persisted: last.persisted === true } : null
    },
    name,
    `the page of ${name} shown again`,
  )
}

/** Until the server has answered every refresh and revoke the tabs sent (each page logs request and response). */
async function quiet(h: Harness, tabs: HTab[]): Promise<void> {
  for (const tab of tabs)
    await h.waitFor(
      tab,
      () => {
        const entries = window.e2e.log()
        const count = (type: string) => entries.filter((e) => e.type === type).length
        return count('refresh_request') === count('refresh_response') && count('revoke_request') === count('revoke_response')
      },
      undefined,
      `${tab.name} to have no request on the wire`,
    )
}

describe.each(selectedEngines())('%s', (engine) => {
  const run = engineBrowser(engine)

  describe('3-second access tokens', () => {
    const h = serverSuite(run, { accessTokenTtl: 3 })

    it('rotates exactly once per expiry across three tabs, three expiries in a row, with no token reused', async () => {
      const { tabs } = await h().loggedInTabs(TABS)
      const mark = h().refreshLog.length
      // Real time: each rotation comes from the tabs' own schedulers, a third of the lifetime
      // before expiry. The login token plus three rotations.
      await h().waitFor(tabs[0]!, () => window.e2e.tokens().length >= 4, undefined, 'three rotations', 20_000)
      const latest = (await tabs[0]!.evaluate(() => window.e2e.tokens())).at(-1)!
      for (const tab of tabs) await h().waitForToken(tab, latest)
      await quiet(h(), tabs)

      const counters = await h().counters()
      const seen = new Set((await Promise.all(tabs.map((tab) => tab.evaluate(() => window.e2e.tokens())))).flat())
      // One refresh per token after the login's, every one answered 200: none doubled, none refused.
      expect(counters).toMatchObject({ logins: 1, reuseEvents: 0, refreshes: seen.size - 1 })
      expect(counters.refreshes).toBeGreaterThanOrEqual(3)
      expect(
        h()
          .refreshLog.slice(mark)
          .map((r) => r.status),
      ).toEqual(Array<number>(counters.refreshes).fill(200))
      for (const tab of tabs) expect(await tab.evaluate(() => window.e2e.me())).toMatchObject({ status: 200, body: { username: 'alice' } })
    })
  })

  describe('60-second access tokens', () => {
    const h = serverSuite(run, { accessTokenTtl: 60 })

    it('hands the session to a new tab beside a signed-in one, with no login or refresh request', async () => {
      const { profile, accessToken } = await h().loggedInTabs(1)
      const tab = await h().openTab(profile, 'new')
      await h().waitForStatus(tab, 'authenticated')
      const entries = await log(tab)
      expect(ofType(entries, 'session_adopted')).toEqual([expect.objectContaining({ from: 'handoff' })])
      expect(ofType(entries, 'refresh_request', 'logged_in', 'handoff_timeout')).toEqual([])
      expect(await h().snapshot(tab)).toMatchObject({ accessToken, storedRefreshToken: expect.any(String) })
      expect(await tab.evaluate(() => window.e2e.me())).toMatchObject({ status: 200 })
      expect(await h().counters()).toMatchObject({ logins: 1, refreshes: 0, reuseEvents: 0 })
    })

    it('logs every tab out from one, with one revoke, and leaves no token in any sessionStorage', async () => {
      const { tabs } = await h().loggedInTabs(TABS)
      const from = tabs[1]!
      await from.evaluate(() => window.e2e.logout())
      for (const tab of tabs) await h().waitForStatus(tab, 'unauthenticated')
      await quiet(h(), tabs)
      for (const tab of tabs) {
        expect(ofType(await log(tab), 'logged_out'), tab.name).toEqual([
          expect.objectContaining({ reason: 'user', fromOtherTab: tab !== from }),
        ])
        const snapshot = await h().snapshot(tab)
        expect(snapshot).toMatchObject({ status: 'unauthenticated', accessToken: null, storedRefreshToken: null })
        expect(Object.values(snapshot.sessionStorage).filter((value) => JWT.test(value))).toEqual([])
      }
      expect(await h().counters()).toMatchObject({ logins: 1, revocations: 1, reuseEvents: 0 })
    })

    it('replaces another user in every tab when one tab logs in as someone else', async () => {
      const { tabs, accessToken } = await h().loggedInTabs(TABS)
      expect(sub(accessToken)).toBe(ALICE.sub)
      const other = await tabs[2]!.evaluate(({ username, password }) => window.e2e.login(username, password), ADMIN)
      for (const tab of tabs) await h().waitForToken(tab, other.accessToken)
      const snapshots = await Promise.all(tabs.map((tab) => h().snapshot(tab)))
      expect(snapshots.map((s) => s.sub)).toEqual(Array<string>(TABS).fill(ADMIN.sub))
      expect(new Set(snapshots.map((s) => s.sessionId)).size).toBe(1)
      // From the moment a tab showed the new login, it never showed Alice's token again.
      for (const tab of tabs) {
        const shown = ofType(await log(tab), 'state').flatMap((e) => (e.token ? [e.token] : []))
        expect(shown.slice(shown.indexOf(other.accessToken)).map(sub)).not.toContain(ALICE.sub)
      }
      for (const tab of tabs) expect(await tab.evaluate(() => window.e2e.me())).toMatchObject({ status: 200, body: { username: 'admin' } })
      expect(await h().counters()).toMatchObject({ logins: 2, refreshes: 0, reuseEvents: 0 })
    })

    it('gives a tab restored with its own stale storage the session rotated since, without sending its spent refresh token', async () => {
      const { profile, tabs, accessToken: stale } = await h().loggedInTabs(1)
      const saved = Object.entries((await h().snapshot(tabs[0]!)).sessionStorage)
      const { token: rotated } = await tabs[0]!.evaluate(() => window.e2e.refresh())
      expect(rotated).not.toBe(stale)
      const restored = await h().openTab(profile, 'restored', {}, { restoreSessionStorage: saved })
      await h().waitForToken(restored, rotated!)
      expect(await restored.evaluate(() => window.e2e.getAccessToken())).toEqual({ token: rotated, errorCode: null })
      expect(ofType(await log(restored), 'refresh_request', 'logged_out')).toEqual([])
      expect(await restored.evaluate(() => window.e2e.me())).toMatchObject({ status: 200 })
      expect(await h().counters()).toMatchObject({ logins: 1, refreshes: 1, reuseEvents: 0, revocations: 0 })
    })

    it('ends the session in every tab at the idle limit, with one revoke at the server', async () => {
      const IDLE = 2_000
      const revokeMark = h().revokeLog.length
      const { tabs } = await h().loggedInTabs(TABS, { idleTimeout: String(IDLE), warnBefore: '800' })
      const loggedInAt = ofType(await log(tabs[0]!), 'logged_in')[0]!.t
      for (const tab of tabs) await h().waitForStatus(tab, 'unauthenticated', IDLE + 5_000)
      await quiet(h(), tabs)
      for (const tab of tabs) {
        const entries = await log(tab)
        expect(ofType(entries, 'session_expiring'), tab.name).toEqual([expect.objectContaining({ reason: 'idle' })])
        const ended = ofType(entries, 'logged_out')
        expect(ended, tab.name).toEqual([expect.objectContaining({ reason: 'idle' })])
        // Not before the limit (50 ms for clocks read in different places), and not long after it.
        expect(ended[0]!.t - loggedInAt, tab.name).toBeGreaterThanOrEqual(IDLE - 50)
        expect(ended[0]!.t - loggedInAt, tab.name).toBeLessThanOrEqual(IDLE + 1_500)
        expect(await h().snapshot(tab)).toMatchObject({ accessToken: null, storedRefreshToken: null, ended: { reason: 'idle' } })
      }
      expect(
        h()
          .revokeLog.slice(revokeMark)
          .map((r) => r.status),
      ).toEqual([204])
      expect(await h().counters()).toMatchObject({ logins: 1, refreshes: 0, revocations: 1, reuseEvents: 0 })
    })

    it('restores a cookie-mode session in three tabs opened together with exactly one refresh request', async () => {
      const restore = { restore: 'cookie' }
      const profile = await h().newProfile()
      const first = await h().openTab(profile, 'login', restore)
      await first.evaluate(() => window.e2e.loginCookieMode())
      await first.close() // the session now lives only in the server's HttpOnly cookie
      await h().control('reset-counters')
      const mark = h().refreshLog.length

      // "Together": the elected tab's request is held at the server until the other two wait on
      // the restore lock, whatever the engine's pace of opening tabs.
      await h().control('hold-refreshes')
      const tabs: HTab[] = []
      try {
        for (let i = 0; i < TABS; i++) tabs.push(await h().openTab(profile, `r${i}`, restore))
        await h().waitFor(
          tabs[0]!,
          async (name) => {
            const { held = [], pending = [] } = await navigator.locks.query()
            return held.filter((l) => l.name === name).length === 1 && pending.filter((l) => l.name === name).length === 2
          },
          RESTORE_LOCK,
          'one tab holding the restore lock and two waiting',
        )
        expect(await h().pendingRefreshes()).toBe(1)
      } finally {
        await h().control('release-refreshes')
      }
      for (const tab of tabs) await h().waitForStatus(tab, 'authenticated')
      await quiet(h(), tabs)

      expect(
        h()
          .refreshLog.slice(mark)
          .map((r) => r.status),
      ).toEqual([200])
      expect(await h().counters()).toMatchObject({ logins: 0, refreshes: 1, reuseEvents: 0 })
      const snapshots = await Promise.all(tabs.map((tab) => h().snapshot(tab)))
      expect(new Set(snapshots.map((s) => s.accessToken)).size).toBe(1)
      expect(snapshots.map((s) => s.storedRefreshToken)).toEqual([null, null, null])
      const restored = await Promise.all(tabs.map(async (tab) => ofType(await log(tab), 'session_restored').length))
      expect(restored.reduce((a, b) => a + b)).toBe(1)
      for (const tab of tabs) expect(ofType(await log(tab), 'logged_out', 'refresh_failed')).toEqual([])
    })

    it('ends the session on the server when the tab closes right after its logout: the next tab opens signed out', async () => {
      const restore = { restore: 'cookie' }
      const profile = await h().newProfile()
      const tab = await h().openTab(profile, 'login', restore)
      await tab.evaluate(() => window.e2e.loginCookieMode())
      await h().control('reset-counters')
      // The logout reaches the server and waits there until the tab is gone, as on a slow network.
      await h().control('hold-logouts')
      try {
        await tab.evaluate(() => void window.e2e.logout())
        await waitUntil(async () => (await h().pendingLogouts()) === 1, 'the logout is held at the server')
        await tab.close()
        // A closing page cancels its requests, unless they were sent keepalive: the browser gets a second to.
        const dropped = await waitUntil(async () => (await h().pendingLogouts()) === 0, 'the held logout is dropped', 1_000).then(
          () => true,
          () => false,
        )
        expect(dropped, 'the browser dropped the logout of the closed tab').toBe(false)
      } finally {
        await h().control('release-logouts')
      }
      // Sent keepalive, the logout outlives its page: the server ends the session and clears the cookies.
      await waitUntil(async () => (await h().counters()).revocations === 1, 'the closed tab’s logout ended its session')
      const mark = h().refreshLog.length
      const next = await h().openTab(profile, 'next', restore)
      await h().waitForStatus(next, 'unauthenticated')
      expect(
        h()
          .refreshLog.slice(mark)
          .map((r) => r.status),
      ).toEqual([400])
      expect(ofType(await log(next), 'session_restored', 'logged_in')).toEqual([])
    })

    it('shows a signed-in page signed out on Back after a later page of the tab logged out', async () => {
      await h().control('reset-counters')
      const profile = await h().newProfile()
      const tab = await h().openTab(profile, 'first', CACHEABLE)
      await tab.evaluate(() => window.e2e.login())
      await tab.goto(h().pageUrl('second', CACHEABLE))
      await h().waitForPage(tab, 'second')
      await h().waitForStatus(tab, 'authenticated')
      await tab.evaluate(() => window.e2e.logout())
      await quiet(h(), [tab])

      const { persisted } = await back(h(), tab, 'first')
      // eslint-disable-next-line no-console -- which path the engine took, for the log
      console.info(`[${engine}] Back after a logout: ${persisted ? 'restored from bfcache' : 'loaded afresh'}`)
      expect((await h().snapshot(tab)).accessToken, 'token shown right after Back').toBeNull()
      expect(await tab.evaluate(() => window.e2e.getAccessToken())).toEqual({ token: null, errorCode: null })
      await h().waitForStatus(tab, 'unauthenticated', 3_000)
      const entries = await log(tab)
      const since = entries.map((e) => e.type).lastIndexOf('pageshow')
      expect(entries.slice(since).filter((e) => e.type === 'state' && e.status === 'authenticated')).toEqual([])
      expect(await h().counters()).toMatchObject({ logins: 1, revocations: 1, reuseEvents: 0 })
    })

    it('hands the session to a new tab from a signed-in page shown again by Back', async () => {
      const { profile, tabs, accessToken } = await h().loggedInTabs(1, CACHEABLE)
      const [tab] = tabs as [HTab]
      // A page of the same origin without the client: nothing there touches the session.
      await tab.goto(`${h().url}/elsewhere`)
      const { persisted } = await back(h(), tab, 't0')
      // eslint-disable-next-line no-console -- which path the engine took, for the log
      console.info(`[${engine}] Back to a signed-in page: ${persisted ? 'restored from bfcache' : 'loaded afresh'}`)
      await h().waitForToken(tab, accessToken)
      const opened = await h().openTab(profile, 'new')
      await h().waitForToken(opened, accessToken)
      expect(ofType(await log(opened), 'session_adopted')).toEqual([expect.objectContaining({ from: 'handoff' })])
      expect(await h().counters()).toMatchObject({ logins: 1, refreshes: 0, reuseEvents: 0 })
    })
  })

  describe('DPoP, 60-second access tokens', () => {
    const h = serverSuite(run, { accessTokenTtl: 60, dpop: true })
    const DPOP = { dpop: '1' }

    it('signs for every tab with the login’s one key, across a rotation and a reload', async () => {
      const proofMark = h().proofLog.length
      const { tabs, accessToken } = await h().loggedInTabs(TABS, DPOP)
      const jkt = boundTo(accessToken)
      expect(jkt).toEqual(expect.any(String))
      const { token: rotated } = await tabs[2]!.evaluate(() => window.e2e.refresh())
      for (const tab of tabs) await h().waitForToken(tab, rotated!)
      expect(boundTo(rotated!)).toBe(jkt)

      await tabs[1]!.reload()
      await h().waitForPage(tabs[1]!, 't1')
      await h().waitForToken(tabs[1]!, rotated!)
      for (const tab of tabs) expect(await tab.evaluate(() => window.e2e.me())).toMatchObject({ status: 200, body: { username: 'alice' } })

      const proofs = h().proofLog.slice(proofMark)
      expect(proofs.filter((p) => p.path === '/auth/login')).toHaveLength(1)
      expect(proofs.filter((p) => p.path === '/auth/refresh')).toHaveLength(1)
      expect(proofs.filter((p) => p.path === '/api/me')).toHaveLength(TABS)
      expect(proofs.filter((p) => p.jkt !== jkt || p.status !== 200)).toEqual([])
      const keys = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.e2e.storedDpopKey())))
      expect(keys.map((key) => key && { jkt: key.jkt, extractable: key.extractable })).toEqual(
        Array<unknown>(TABS).fill({ jkt, extractable: false }),
      )
      expect(await tabs[0]!.evaluate(() => window.e2e.dpopKeyCount())).toBe(1)
      expect(await h().counters()).toMatchObject({ logins: 1, refreshes: 1, reuseEvents: 0, unauthorized: 0 })
    })

    it('never writes a token of this engine’s run to localStorage, document.cookie or IndexedDB', async () => {
      // The engine's last test: `run().record` holds what every test before it wrote. Also run on
      // its own (`-t`): a login here, so there are tokens and a key pair to look for.
      const { profile, tabs } = await h().loggedInTabs(1, DPOP)
      const probe = tabs[0]!
      // The recorder is live: a probe through each API it watches is seen.
      await probe.evaluate(writeProbes)
      await h().closeProfile(profile)
      const { writes, tokens } = run().record
      expect(sawProbes(writes)).toBe(true)
      // The DPoP key pairs went to IndexedDB (the control for that store), tokens to sessionStorage.
      expect(writes.filter((w) => w.kind === 'indexedDB' && w.value.startsWith('keys '))).not.toEqual([])
      expectTokensOnlyInSessionStorage(writes, tokens)
    })
  })
})
