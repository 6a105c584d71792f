// jwt-tab-session/testing/playwright in real Chromium against the reference server (6-second
// access tokens, strict rotation): a pair logged in over HTTP from Node is seeded into the tabs'
// sessionStorage before the test page loads, the way an app's Playwright suite skips its login UI.
import type { BrowserContext, Frame, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { captureSession, restoreSession, seedSession } from '../../src/testing/playwright'
import { pageLog, suiteHarness, waitForNewToken, waitForStatus, waitForToken } from './harness'

const SEED_MARKER = 'jwt-session:seeded'

// 10-second tokens: refreshed 5–6.7 s after the login, which leaves time to check three seeded
// tabs on a loaded machine before the first rotation, and little to wait for it.
const h = suiteHarness({ accessTokenTtl: 10 })

/**
 * POST /auth/login from Node through the context's request API, as a Playwright test would: the
 * server's cookies (the fingerprint the refresh needs) land in the context, the pair comes back.
 */
async function apiLogin(context: BrowserContext): Promise<{ accessToken: string; refreshToken: string }> {
  const response = await context.request.post('/auth/login', { data: { username: 'alice', password: 'alice-password' } })
  expect(response.status()).toBe(200)
  return (await response.json()) as { accessToken: string; refreshToken: string }
}

/** A fresh profile signed in over the API and seeded; no tab open yet. */
async function seededContext() {
  await h().control('reset-counters')
  const context = await h().newContext()
  const pair = await apiLogin(context)
  const entry = await seedSession(context, pair, { origin: h().url })
  return { context, pair, entry, mark: h().refreshLog.length }
}

const IDP = 'https://idp.example.test'
const PAY = 'https://pay.example.test'

/**
 * Static pages without the client, answered by the context itself: an identity provider and a
 * payment page on origins of their own, and on the app's origin a page framing both kinds of
 * frame. The init scripts run in them as in any page. Close such pages before the test ends: the
 * harness reads each open tab's client when it closes the context.
 */
async function serveForeignPages(context: BrowserContext): Promise<void> {
  const html = (body: string) => `<!doctype html><html><head><link rel="icon" href="data:,"></head><body>${body}</body></html>`
  const pages: Record<string, string> = {
    [`${IDP}/authorize`]: html('Sign in'),
    [`${IDP}/framing-the-app`]: html(`<iframe src="${h().url}/embedded"></iframe>`),
    [`${PAY}/checkout`]: html('Pay'),
    [`${PAY}/widget`]: html('Card'),
    [`${h().url}/framed`]: html(`<iframe src="/embedded"></iframe><iframe src="${PAY}/widget"></iframe>`),
    [`${h().url}/embedded`]: html('Embedded'),
  }
  await context.route(
    (url) => pages[url.href] !== undefined,
    (route) => route.fulfill({ contentType: 'text/html', body: pages[route.request().url()] }),
  )
}

/** The frame of `page` loaded from `url`, once loaded. */
async function frameAt(page: Page, url: string): Promise<Frame> {
  for (;;) {
    const frame = page.frames().find((f) => f.url() === url)
    if (frame) {
      await frame.waitForLoadState()
      return frame
    }
    await page.waitForEvent('framenavigated')
  }
}

/** Everything in a frame's sessionStorage; `{}` also where the document may not have any. */
async function storageOf(frame: Frame): Promise<Record<string, string>> {
  return frame.evaluate(() => {
    try {
      return Object.fromEntries(Object.entries(sessionStorage))
    } catch {
      return {}
    }
  })
}

/** The log types of a tab's session (page-level bookkeeping left out). */
async function sessionEvents(page: Page): Promise<string[]> {
  const bookkeeping = ['state', 'refresh_scheduled', 'pageshow', 'pagehide']
  return (await pageLog(page)).map((e) => e.type).filter((type) => !bookkeeping.includes(type))
}

describe('seedSession', () => {
  it('signs three tabs in with no login or refresh, and they rotate exactly once together; a later tab takes the rotated pair', async () => {
    const { context, pair, mark } = await seededContext()
    const tabs = await h().openTabs(context, 3)
    for (const tab of tabs) {
      await waitForToken(tab, pair.accessToken)
      expect(await sessionEvents(tab)).toEqual(['session_restored'])
      expect((await pageLog(tab)).find((e) => e.type === 'session_restored')).toMatchObject({ from: 'storage' })
      expect(await h().snapshot(tab)).toMatchObject({ status: 'authenticated', sub: 'user-alice', storedRefreshToken: pair.refreshToken })
      expect(await tab.evaluate(() => window.e2e.me())).toMatchObject({ status: 200, body: { username: 'alice' } })
    }
    expect(await h().counters()).toMatchObject({ logins: 1, refreshes: 0 })
    expect(h().refreshLog.length).toBe(mark)

    // Near expiry (about 5–7 s in), the three tabs share one rotation: one request, one new pair.
    const rotated = await waitForNewToken(tabs[0]!, pair.accessToken)
    for (const tab of tabs) await waitForToken(tab, rotated)
    const { refreshLog } = h()
    expect(refreshLog.slice(mark).map((r) => r.status)).toEqual([200])
    expect(await h().counters()).toMatchObject({ logins: 1, refreshes: 1, reuseEvents: 0 })
    const stored = await Promise.all(tabs.map(async (tab) => (await h().snapshot(tab)).storedRefreshToken))
    expect(new Set(stored).size).toBe(1)
    expect(stored[0]).not.toBe(pair.refreshToken)

    // A tab opened now is seeded with the spent pair: it takes the open tabs' rotated one instead.
    const late = await h().openTab(context, 'late')
    await waitForToken(late, rotated)
    expect(await sessionEvents(late)).toContain('session_adopted')
    expect((await h().snapshot(late)).storedRefreshToken).toBe(stored[0])
    expect(h().refreshLog.slice(mark)).toHaveLength(1)
    expect(await h().counters()).toMatchObject({ refreshes: 1, reuseEvents: 0 })
  })

  it('keeps the rotated session when the seeded tab reloads, not the seeded one', async () => {
    const { context, pair, mark } = await seededContext()
    // One tab alone: no other tab could hand it the rotated session if the seed came back.
    const [tab] = await h().openTabs(context, 1)
    const rotated = await waitForNewToken(tab!, pair.accessToken)
    const before = await h().snapshot(tab!)
    expect(JSON.parse(before.sessionStorage['jwt-session']!)).toMatchObject({ accessToken: rotated, gen: 1 })

    await tab!.reload()
    await tab!.waitForFunction(() => window.e2e !== undefined)
    await waitForStatus(tab!, 'authenticated')
    const after = await h().snapshot(tab!)
    expect(after.accessToken).toBe(rotated)
    expect(after.sessionStorage).toEqual(before.sessionStorage)
    expect(await sessionEvents(tab!)).toEqual(['session_restored'])
    expect(h().refreshLog.slice(mark)).toHaveLength(1)
    expect(await h().counters()).toMatchObject({ logins: 1, refreshes: 1, reuseEvents: 0 })
    expect(await tab!.evaluate(() => window.e2e.me())).toMatchObject({ status: 200 })
  })

  it('stays signed out when the seeded tab reloads after logout', async () => {
    const { context, pair, mark } = await seededContext()
    const [tab] = await h().openTabs(context, 1)
    await waitForToken(tab!, pair.accessToken)
    await tab!.evaluate(() => window.e2e.logout())
    await tab!.reload()
    await tab!.waitForFunction(() => window.e2e !== undefined)
    await waitForStatus(tab!, 'unauthenticated')
    // Signed out from its first frame: the old pair never came back, not even until its expiry.
    expect((await pageLog(tab!)).filter((e) => e.type === 'state' && e.status === 'authenticated')).toEqual([])
    const { sessionStorage } = await h().snapshot(tab!)
    expect(sessionStorage['jwt-session']).toBeUndefined()
    expect(JSON.parse(sessionStorage[SEED_MARKER]!)).toHaveLength(1)
    expect(h().refreshLog.length).toBe(mark)
  })

  it('writes nothing on an origin other than the one given', async () => {
    await h().control('reset-counters')
    const context = await h().newContext()
    await seedSession(context, await apiLogin(context), { origin: 'http://localhost:9' })
    const [tab] = await h().openTabs(context, 1)
    await waitForStatus(tab!, 'unauthenticated')
    expect((await h().snapshot(tab!)).sessionStorage).toEqual({})
  })

  it("without an origin, seeds the context's baseURL only: the identity provider and payment page a tab visits get nothing", async () => {
    await h().control('reset-counters')
    const context = await h().newContext() // baseURL: the app's origin
    const entry = await seedSession(context, await apiLogin(context))
    await serveForeignPages(context)
    const [tab] = await h().openTabs(context, 1)
    await waitForStatus(tab!, 'authenticated')
    // The tab leaves for the identity provider, then the payment page, then comes back.
    for (const url of [`${IDP}/authorize`, `${PAY}/checkout`]) {
      await tab!.goto(url)
      expect(await storageOf(tab!.mainFrame())).toEqual({})
    }
    await tab!.goto('/?tab=back')
    await tab!.waitForFunction(() => window.e2e !== undefined)
    await waitForStatus(tab!, 'authenticated')
    expect((await h().snapshot(tab!)).sessionStorage['jwt-session']).toBe(entry.value)
    expect(entry.origin).toBe(h().url)
  })

  it('refuses to seed a context with no baseURL and no origin: a TypeError, and no tab gets tokens', async () => {
    const context = await h().browser.newContext()
    try {
      const pair = (await (
        await fetch(`${h().url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
        })
      ).json()) as { accessToken: string; refreshToken: string }
      await expect(seedSession(context, pair)).rejects.toThrow(TypeError)
      const page = await context.newPage()
      await page.goto(`${h().url}/?tab=bare`)
      await page.waitForFunction(() => window.e2e !== undefined)
      await waitForStatus(page, 'unauthenticated')
      expect(await storageOf(page.mainFrame())).toEqual({})
    } finally {
      await context.close()
    }
  })

  it("writes nothing in a frame: another origin's frame in the app, or the app's frame on another site; the app's own frame reads the tab's entry", async () => {
    const { context, entry } = await seededContext()
    await serveForeignPages(context)
    const page = await context.newPage()
    try {
      await page.goto('/framed')
      const [own, foreign] = await Promise.all([frameAt(page, `${h().url}/embedded`), frameAt(page, `${PAY}/widget`)])
      expect(await storageOf(page.mainFrame())).toMatchObject({ 'jwt-session': entry.value })
      expect(await storageOf(own)).toMatchObject({ 'jwt-session': entry.value }) // the tab's storage, shared
      expect(await storageOf(foreign)).toEqual({})
      await page.goto(`${IDP}/framing-the-app`)
      const embedded = await frameAt(page, `${h().url}/embedded`)
      expect(await storageOf(page.mainFrame())).toEqual({})
      expect(await storageOf(embedded)).toEqual({})
    } finally {
      await page.close()
    }
  })

  it("writes nothing on about:blank: a new tab's, nor a popup's the app opens", async () => {
    const { context } = await seededContext()
    await serveForeignPages(context)
    const blank = await context.newPage()
    try {
      expect(blank.url()).toBe('about:blank')
      expect(await storageOf(blank.mainFrame())).toEqual({})
      // The app page clears its storage first: a popup starts from a copy of its opener's.
      await blank.goto('/embedded')
      await blank.evaluate(() => sessionStorage.clear())
      const [popup] = await Promise.all([context.waitForEvent('page'), blank.evaluate(() => void window.open('about:blank'))])
      await popup.waitForLoadState()
      expect(popup.url()).toBe('about:blank')
      expect(await storageOf(popup.mainFrame())).toEqual({})
    } finally {
      for (const page of context.pages()) await page.close()
    }
  })
})

describe('captureSession and restoreSession', () => {
  it('carries a signed-in tab to a new context (log in once per worker) with no login or refresh', async () => {
    const { context, pair, mark } = await seededContext()
    const [tab] = await h().openTabs(context, 1)
    await waitForToken(tab!, pair.accessToken)
    const captured = await captureSession(tab!)
    expect(captured).toMatchObject({ storageKey: 'jwt-session', origin: h().url })
    const cookies = await context.cookies()
    await h().closeContext(context)

    const next = await h().newContext()
    await next.addCookies(cookies) // what storageState would carry: the server's cookies
    await restoreSession(next, captured)
    const [restored] = await h().openTabs(next, 1, 'r')
    await waitForToken(restored!, pair.accessToken)
    expect(await sessionEvents(restored!)).toEqual(['session_restored'])
    expect(await restored!.evaluate(() => window.e2e.me())).toMatchObject({ status: 200, body: { username: 'alice' } })
    expect(await h().counters()).toMatchObject({ logins: 1, refreshes: 0 })
    expect(h().refreshLog.length).toBe(mark)
  })
})
