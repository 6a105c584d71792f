// One session shared by the tabs of a real Chromium, against the reference server over HTTP with
// 6-second access tokens and strict rotation (no grace window: a second use of a refresh token
// revokes the whole session, so a doubled refresh would show at once).
import { describe, expect, it } from 'vitest'
import { formatLatency, pageLog, suiteHarness, waitForStatus, waitForToken, waitForTokenCount } from './harness'
import { expectNoTokenLeaks } from './tokenLeaks'

const TRIES = 5

const h = suiteHarness({ accessTokenTtl: 6 })

describe('handoff to a new tab', () => {
  // Tokens that outlast the test: five handoffs on a loaded machine may take longer than two
  // thirds of a 6-second token, and a due refresh (by whichever tab) is no handoff to measure.
  const h = suiteHarness({ accessTokenTtl: 60 })

  it('authenticates a new tab from an open one without a login request', async () => {
    const { context, tabs, accessToken } = await h().loggedInTabs(1)
    const fromNavigation: number[] = []
    const fromStart: number[] = []
    for (let i = 0; i < TRIES; i++) {
      const tab = await h().openTab(context, `new${i}`)
      await waitForStatus(tab, 'authenticated')
      const { log, timeOrigin, clientStartedAt, snapshot } = await tab.evaluate(() => ({
        log: window.e2e.log(),
        timeOrigin: window.e2e.timeOrigin,
        clientStartedAt: window.e2e.clientStartedAt,
        snapshot: window.e2e.snapshot(),
      }))
      const adopted = log.filter((e) => e.type === 'session_adopted')
      expect(adopted).toHaveLength(1)
      expect(adopted[0]).toMatchObject({ from: 'handoff' })
      expect(log.filter((e) => ['refresh_request', 'logged_in', 'handoff_timeout'].includes(e.type))).toEqual([])
      expect(snapshot.accessToken).toBe(accessToken)
      expect(snapshot.storedRefreshToken).not.toBeNull()
      fromNavigation.push(adopted[0]!.t - timeOrigin)
      fromStart.push(adopted[0]!.t - clientStartedAt)
      await h().closeTab(tab)
    }
    expect(await h().counters()).toMatchObject({ logins: 1, refreshes: 0, reuseEvents: 0 })
    expect((await h().snapshot(tabs[0]!)).accessToken).toBe(accessToken)
    console.log(formatLatency('handoff, navigation start → session_adopted', fromNavigation))
    console.log(formatLatency('handoff, client.start() → session_adopted', fromStart))
  })

  it('keeps the session across a reload without a refresh or login request', async () => {
    const { tabs, accessToken } = await h().loggedInTabs(2)
    const before = await h().snapshot(tabs[1]!)
    await tabs[1]!.reload()
    await tabs[1]!.waitForFunction(() => window.e2e !== undefined)
    const after = await h().snapshot(tabs[1]!)
    const log = await pageLog(tabs[1]!)
    expect(after.status).toBe('authenticated')
    expect(after.accessToken).toBe(accessToken)
    expect(after.sessionStorage).toEqual(before.sessionStorage)
    const pageEntries = ['state', 'refresh_scheduled', 'pageshow', 'pagehide']
    expect(log.map((e) => e.type).filter((type) => !pageEntries.includes(type))).toEqual(['session_restored'])
    expect(await h().counters()).toMatchObject({ logins: 1, refreshes: 0, reuseEvents: 0 })
    expect(await tabs[1]!.evaluate(() => window.e2e.me())).toMatchObject({ status: 200 })
  })
})

describe('refresh across tabs', () => {
  it('rotates exactly once per expiry across five tabs, three rotations in a row', async () => {
    const { tabs } = await h().loggedInTabs(5)
    const mark = h().refreshLog.length
    // The login token plus three rotations. Real time has to pass here: each rotation comes from
    // the tabs' own schedulers, about 2–4 s after the previous token was issued.
    await waitForTokenCount(tabs[0]!, 4, 30_000)
    const latest = (await tabs[0]!.evaluate(() => window.e2e.tokens())).at(-1)!
    for (const tab of tabs) await waitForToken(tab, latest)

    const counters = await h().counters()
    const seen = new Set((await Promise.all(tabs.map((tab) => tab.evaluate(() => window.e2e.tokens())))).flat())
    expect(counters.refreshes).toBe(seen.size - 1)
    expect(counters.refreshes).toBeGreaterThanOrEqual(3)
    expect(counters.reuseEvents).toBe(0)
    expect(counters.logins).toBe(1)
    // Every refresh request any tab sent was answered with a new pair: none was doubled or refused.
    const { refreshLog } = h()
    expect(refreshLog.slice(mark).map((r) => r.status)).toEqual(Array<number>(counters.refreshes).fill(200))

    for (const tab of tabs) expect(await tab.evaluate(() => window.e2e.me())).toMatchObject({ status: 200, body: { username: 'alice' } })
    expect((await h().counters()).unauthorized).toBe(0)
  })
})

describe('logout across tabs', () => {
  it('logs all five tabs out and leaves no token in any sessionStorage', async () => {
    const { tabs } = await h().loggedInTabs(5)
    const propagation: number[] = []
    for (let i = 0; i < TRIES; i++) {
      if (i > 0) {
        const { accessToken } = await tabs[0]!.evaluate(() => window.e2e.login())
        for (const tab of tabs) await waitForToken(tab, accessToken)
      }
      const from = tabs[i % tabs.length]!
      const marks = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.e2e.log().length)))
      const calledAt = await from.evaluate(() => window.e2e.logout())
      for (const tab of tabs) await waitForStatus(tab, 'unauthenticated')

      const endings = await Promise.all(
        tabs.map(async (tab, t) => (await pageLog(tab)).slice(marks[t]).filter((e) => e.type === 'logged_out')),
      )
      for (const [t, ended] of endings.entries()) {
        expect(ended).toEqual([expect.objectContaining({ reason: 'user', fromOtherTab: tabs[t] !== from })])
      }
      propagation.push(Math.max(...endings.map((ended) => ended[0]!.t)) - calledAt)

      for (const tab of tabs) {
        const snapshot = await h().snapshot(tab)
        expect(snapshot).toMatchObject({ status: 'unauthenticated', accessToken: null, storedRefreshToken: null })
        const values = Object.values(snapshot.sessionStorage)
        expect(values.filter((value) => [...h().tokens].some((token) => value.includes(token)))).toEqual([])
      }
    }
    // Every logout also revoked its session on the server, once.
    await expect.poll(() => h().counters()).toMatchObject({ logins: TRIES, revocations: TRIES, reuseEvents: 0 })
    console.log(formatLatency('logout, logout() call → last of 5 tabs logged_out', propagation))
  })
})

describe('token storage', () => {
  it('never writes a token of this run to localStorage, document.cookie or IndexedDB', async () => {
    await expectNoTokenLeaks(h())
  })
})
