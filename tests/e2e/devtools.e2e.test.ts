// The devtools panel in three real tabs: the topic between their devtools carries each tab's
// records to every other, so a silent refresh in one tab is drawn on every timeline at once,
// labelled with the tab that really sent the request, and every tab shows the same lock holder.
// The Faults section's scenarios, clicked in the panel, give their documented outcome with exact
// counts at the reference server.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { pageLog, suiteHarness, waitForNewToken, waitForToken, waitUntil, type Harness } from './harness'

/** `count` tabs of a fresh profile with the panel open (its Faults section drawn), signed in from the first. */
async function signedInWithPanels(h: Harness, count: number) {
  const signedIn = await h.loggedInTabs(count, { devtools: '1' })
  for (const tab of signedIn.tabs) await tab.waitForFunction(() => document.querySelector('.jts-faults') !== null)
  return signedIn
}

/** The refresh requests the server saw since `mark`, as [tab, status]: one, by `sender`, answered 200. */
function expectOneRefreshBy(h: Harness, mark: number, sender: string): void {
  expect(h.refreshLog.slice(mark).map((r) => [r.tab, r.status])).toEqual([[sender, 200]])
}

describe('devtools across tabs', () => {
  const h = suiteHarness({ accessTokenTtl: 6 })

  it('draws a silent refresh on every tab’s timeline within 100 ms, labelled with the tab whose request reached the server', async () => {
    const { tabs, accessToken } = await signedInWithPanels(h(), 3)
    const sentBefore = h().refreshLog.length

    // The tabs' own scheduler refreshes about 2–4 s after the login: no test call starts it.
    const next = await waitForNewToken(tabs[0]!, accessToken, 15_000)
    for (const tab of tabs) await waitForToken(tab, next)
    const sent = h()
      .refreshLog.slice(sentBefore)
      .filter((r) => r.status === 200)
    expect(sent).toHaveLength(1)
    const sender = sent[0]!.tab!
    const senderPage = tabs.find((tab) => tab.url().includes(`tab=${sender}`))!
    const refreshedAt = (await pageLog(senderPage)).find((e) => e.type === 'refresh_succeeded')!.t

    const drawnAt = async (tab: (typeof tabs)[number]) =>
      (await pageLog(tab)).filter((e) => e.type === 'devtools_mark' && e.mark?.type === 'refresh_succeeded')
    await waitUntil(
      async () => (await Promise.all(tabs.map(drawnAt))).every((marks) => marks.length > 0),
      'every tab drew the refresh',
      5_000,
    )
    const delays: number[] = []
    for (const tab of tabs) {
      const marks = await drawnAt(tab)
      expect(marks.map((e) => e.mark!.tab)).toEqual([sender])
      delays.push(marks[0]!.t - refreshedAt)
    }
    console.log(`devtools: refresh by ${sender} drawn after ${delays.map((d) => `${d.toFixed(1)} ms`).join(', ')}`)
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(100)

    // Every tab lists the three tabs, and no token is anywhere in any tab's DOM.
    for (const tab of tabs) {
      const { names, dom } = await tab.evaluate(() => ({
        names: [...document.querySelectorAll('.jts-tabs li strong')].map((li) => li.textContent),
        dom: document.documentElement.outerHTML,
      }))
      expect(names.sort()).toEqual(['t0', 't1', 't2'])
      await h().harvest([tab])
      for (const token of h().tokens) expect(dom).not.toContain(token)
    }
  })

  it('shows in every tab, as the refresh-lock holder, the tab whose request reached the server', async () => {
    const { tabs, accessToken } = await signedInWithPanels(h(), 3)
    const sentBefore = h().refreshLog.length
    const holders = (tab: (typeof tabs)[number]) =>
      tab.evaluate(() => [...document.querySelectorAll('.jts-tabs li[data-lock]')].map((li) => li.getAttribute('data-tab')))

    // The server holds every refresh: the tab that won the lock keeps it while its request waits there.
    await h().control('hold-refreshes')
    try {
      // All three ask at once; the lock lets one send.
      for (const tab of tabs) await tab.evaluate(() => void window.e2e.refresh())
      await waitUntil(async () => (await h().pendingRefreshes()) === 1, 'one refresh reached the server', 10_000)
      const arrived = h().refreshLog.slice(sentBefore)
      expect(arrived).toHaveLength(1)
      const sender = arrived[0]!.tab!
      await waitUntil(
        async () => (await Promise.all(tabs.map(holders))).every((shown) => shown.join() === sender),
        `every tab shows ${sender} holding the lock`,
        2_000,
      )
    } finally {
      await h().control('release-refreshes')
    }
    const next = await waitForNewToken(tabs[0]!, accessToken)
    for (const tab of tabs) await waitForToken(tab, next)
    await waitUntil(async () => (await Promise.all(tabs.map(holders))).every((shown) => shown.length === 0), 'no tab holds the lock', 2_000)
    const sender = h().refreshLog[sentBefore]!.tab!
    // No tab ever showed another holder, and exactly one refresh was sent.
    for (const tab of tabs) {
      const shown = (await pageLog(tab)).filter((e) => e.type === 'devtools_lock').map((e) => e.mark!.tab)
      expect(shown.filter((holder) => holder !== '')).toEqual([sender])
    }
    expectOneRefreshBy(h(), sentBefore, sender)
    expect((await h().counters()).refreshes).toBe(1)
  })
})

describe('devtools faults', () => {
  // Tokens that live ten minutes: no scheduled refresh during a test, each one is the fault's.
  const h = suiteHarness({ accessTokenTtl: 600 })
  const labels = (tab: Page, type: string) =>
    tab.evaluate(
      (type) => [...document.querySelectorAll(`.jts-mark[data-type="${type}"]`)].map((mark) => mark.getAttribute('aria-label')),
      type,
    )
  const faultStatus = (tab: Page) => tab.evaluate(() => document.querySelector('.jts-faults [role="status"]')?.textContent ?? '')

  it('"Expire the access token now" in one of three tabs: exactly one refresh request at the server, drawn on every tab’s timeline', async () => {
    const { tabs, accessToken } = await signedInWithPanels(h(), 3)
    const sentBefore = h().refreshLog.length
    const loggedBefore = await Promise.all(tabs.map(async (tab) => (await pageLog(tab)).length))

    await tabs[1]!.getByRole('button', { name: 'Expire the access token now' }).click()
    const next = await waitForNewToken(tabs[1]!, accessToken)
    for (const tab of tabs) await waitForToken(tab, next)
    // Whichever tab won the refresh lock sent the one request (every tab expired its copy).
    const sender = h().refreshLog[sentBefore]!.tab!
    const senderAt = tabs.findIndex((tab) => tab.url().includes(`tab=${sender}`))
    await waitUntil(
      async () => (await Promise.all(tabs.map((tab) => labels(tab, 'refresh_succeeded')))).every((shown) => shown.length === 1),
      'every tab drew the refresh',
      5_000,
    )
    // Every tab expired its copy (a refresh planned at once); the others took the sender's pair before sending theirs.
    const since = async (i: number) =>
      (await pageLog(tabs[i]!))
        .slice(loggedBefore[i])
        .map((e) => e.type)
        .filter((type) => type === 'refresh_scheduled' || type === 'session_adopted' || type === 'refresh_succeeded')
    expect(await since(senderAt)).toEqual(['refresh_scheduled', 'refresh_succeeded', 'refresh_scheduled'])
    for (const i of [0, 1, 2].filter((i) => i !== senderAt))
      expect((await since(i)).slice(0, 2)).toEqual(['refresh_scheduled', 'session_adopted'])
    await new Promise((resolve) => setTimeout(resolve, 500)) // a second refresh would be on its way by now
    for (const tab of tabs)
      expect(await labels(tab, 'refresh_succeeded')).toEqual([expect.stringMatching(new RegExp(`^refresh by ${sender} at `))])
    expect(await faultStatus(tabs[1]!)).toBe('Access token expired in every tab with the devtools.')
    expectOneRefreshBy(h(), sentBefore, sender)
    expect((await h().counters()).refreshes).toBe(1)
  })

  it('"Send requests that get 401" (5 at once): exactly one refresh at the server, and five replays with the new token', async () => {
    const { tabs, accessToken } = await signedInWithPanels(h(), 1)
    const tab = tabs[0]!
    const reachedApi: string[] = []
    tab.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/me') reachedApi.push(request.headers()['authorization'] ?? '')
    })
    const sentBefore = h().refreshLog.length

    await tab.getByLabel('Parallel requests').fill('5')
    await tab.getByRole('button', { name: 'Send requests that get 401' }).click()
    await waitUntil(async () => (await faultStatus(tab)) === '5 requests answered 200 after their 401.', 'the requests answered', 10_000)

    const next = (await h().snapshot(tab)).accessToken
    expect(next).not.toBe(accessToken)
    expectOneRefreshBy(h(), sentBefore, 't0')
    // The 401s were the fault's own answers: the server refused nothing and saw only the replays.
    expect(await h().counters()).toMatchObject({ refreshes: 1, unauthorized: 0 })
    expect(reachedApi).toEqual(Array(5).fill(`Bearer ${next}`))
    expect(await labels(tab, 'unauthorized')).toEqual([expect.stringMatching(/^401 ×5 by t0 at /)])
    expect(await labels(tab, 'replayed')).toEqual([expect.stringMatching(/^replay ×5 by t0 at /)])
  })

  it('"Go offline" for 2 s, then "Expire the access token now": the refreshes fail at the tab with backoff, then exactly one reaches the server', async () => {
    const { tabs, accessToken } = await signedInWithPanels(h(), 1)
    const tab = tabs[0]!
    const sentBefore = h().refreshLog.length
    const loggedBefore = (await pageLog(tab)).length

    await tab.getByLabel('Offline for (s)').fill('2')
    await tab.getByRole('button', { name: 'Go offline' }).click()
    await tab.getByRole('button', { name: 'Expire the access token now' }).click()
    const next = await waitForNewToken(tab, accessToken, 10_000)

    const since = (await pageLog(tab)).slice(loggedBefore)
    const failed = since.filter((e) => e.type === 'refresh_failed')
    // Offline: each try failed in the tab as a network error, with its backoff; none reached the server.
    expect(failed.length).toBeGreaterThanOrEqual(1)
    expect(failed.every((e) => typeof e.retryIn === 'number' && e.retryIn > 0)).toBe(true)
    expect(since.filter((e) => e.type === 'refresh_succeeded')).toHaveLength(1)
    expectOneRefreshBy(h(), sentBefore, 't0')
    expect((await h().snapshot(tab)).accessToken).toBe(next)
    await waitUntil(async () => (await labels(tab, 'refresh_succeeded')).length === 1, 'the tab drew the refresh', 5_000)
    expect((await labels(tab, 'refresh_failed')).length).toBe(failed.length)
  })

  it('"Fail the next refresh (503)", then "Expire the access token now": one failure in the tab, then its retry is the one refresh at the server', async () => {
    const { tabs, accessToken } = await signedInWithPanels(h(), 1)
    const tab = tabs[0]!
    const sentBefore = h().refreshLog.length
    const loggedBefore = (await pageLog(tab)).length

    await tab.getByRole('button', { name: 'Fail the next refresh (503)' }).click()
    await tab.getByRole('button', { name: 'Expire the access token now' }).click()
    await waitForNewToken(tab, accessToken, 10_000)

    const since = (await pageLog(tab)).slice(loggedBefore)
    // The fault answered the first request itself (503, retried with backoff); the retry went to the server.
    expect(since.filter((e) => e.type === 'refresh_failed').map((e) => [e.httpStatus, typeof e.retryIn])).toEqual([[503, 'number']])
    expect(since.filter((e) => e.type === 'refresh_succeeded')).toHaveLength(1)
    expectOneRefreshBy(h(), sentBefore, 't0')
    await waitUntil(async () => (await labels(tab, 'refresh_succeeded')).length === 1, 'the tab drew the refresh', 5_000)
    expect(await labels(tab, 'refresh_failed')).toEqual([expect.stringMatching(/^refresh failed 503 by t0 at /)])
  })

  it('"Open a new tab": the new tab gets the session by handoff, with no refresh', async () => {
    const { context, tabs, accessToken } = await signedInWithPanels(h(), 1)
    const tab = tabs[0]!
    const opened = context.waitForEvent('page')
    await tab.getByRole('button', { name: 'Open a new tab' }).click()
    const fresh = await opened
    await fresh.waitForFunction(() => window.e2e !== undefined)
    await waitForToken(fresh, accessToken)
    expect((await pageLog(fresh)).filter((e) => e.type === 'session_adopted').map((e) => e.from)).toEqual(['handoff'])
    await waitUntil(async () => (await labels(tab, 'session_adopted')).length === 1, 'the first tab drew the handoff', 5_000)
    expect(await labels(tab, 'session_adopted')).toEqual([expect.stringMatching(/^handoff by t0 at /)])
    expect((await h().counters()).refreshes).toBe(0)
  })
})
