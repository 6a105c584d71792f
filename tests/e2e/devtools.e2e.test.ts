// The devtools panel in three real tabs: the topic between their devtools carries each tab's
// records to every other, so a silent refresh in one tab is drawn on every timeline at once,
// labelled with the tab that really sent the request, and every tab shows the same lock holder.
import { describe, expect, it } from 'vitest'
import { pageLog, suiteHarness, waitForNewToken, waitForToken, waitUntil } from './harness'

const h = suiteHarness({ accessTokenTtl: 6 })

describe('devtools across tabs', () => {
  it('draws a silent refresh on every tab’s timeline within 100 ms, labelled with the tab whose request reached the server', async () => {
    await h().control('reset-counters')
    const context = await h().newContext()
    const tabs = await h().openTabs(context, 3, 't', { devtools: '1' })
    for (const tab of tabs) await tab.waitForFunction(() => document.querySelector('.jts-devtools') !== null)
    const { accessToken } = await tabs[0]!.evaluate(() => window.e2e.login())
    for (const tab of tabs) await waitForToken(tab, accessToken)
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
    await h().control('reset-counters')
    const context = await h().newContext()
    const tabs = await h().openTabs(context, 3, 't', { devtools: '1' })
    for (const tab of tabs) await tab.waitForFunction(() => document.querySelector('.jts-tabs') !== null)
    const { accessToken } = await tabs[0]!.evaluate(() => window.e2e.login())
    for (const tab of tabs) await waitForToken(tab, accessToken)
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
    expect(
      h()
        .refreshLog.slice(sentBefore)
        .map((r) => [r.tab, r.status]),
    ).toEqual([[sender, 200]])
    expect((await h().counters()).refreshes).toBe(1)
  })
})
