// Back/forward cache in a real Chromium (its own browser: Playwright launches Chromium with the
// bfcache disabled, see TOOLCHAIN.md). A signed-in page, then a second page in the same tab that
// ends the session, then Back: the page shown must be signed out and hand out no token, whether
// Chromium loads it afresh or restores it from the cache with the session still in its memory.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { POLL, suiteHarness, waitForStatus } from './harness'

const h = suiteHarness({ accessTokenTtl: 60, bfcache: true })

// `bfcache=1`: the document is served without `no-store`, which would keep it out of the cache.
const CACHEABLE = { bfcache: '1' }
// A later page that tells no other page anything: no BroadcastChannel message (one evicts the
// cached page) and no Web Lock request (contention evicts it too, see the last test).
const QUIET = { ...CACHEABLE, channel: 'none', locks: 'none' }

async function goTo(page: Page, tab: string, query: Record<string, string>): Promise<void> {
  await page.goto(`/?${new URLSearchParams({ tab, ...query })}`)
  await page.waitForFunction((t) => window.e2e?.tab === t, tab, { polling: POLL })
}

interface BackResult {
  /** `pageshow`'s `persisted`: true when Chromium restored the page from its bfcache. */
  persisted: boolean
  /** Why Chromium did not restore it (`notRestoredReasons` of the fresh load), for the log. */
  notRestored: string[]
}

/**
 * Back to the page named `tab`. A page restored from bfcache fires no `load`, so this waits for
 * the commit and then for the page's own `pageshow` entry (registered before the client's listener,
 * so the client has already seen the same event).
 */
async function back(page: Page, tab: string): Promise<BackResult> {
  await page.goBack({ waitUntil: 'commit' })
  const handle = await page.waitForFunction(
    (t) => {
      if (window.e2e?.tab !== t) return false
      const last = window.e2e
        .log()
        .filter((e) => e.type === 'pageshow' || e.type === 'pagehide')
        .at(-1)
      return last?.type === 'pageshow' ? { persisted: last.persisted === true } : false
    },
    tab,
    { polling: POLL, timeout: 10_000 },
  )
  const { persisted } = (await handle.jsonValue()) as { persisted: boolean }
  const notRestored = await page.evaluate(() => {
    const entry = performance.getEntriesByType('navigation')[0] as
      (PerformanceEntry & { notRestoredReasons?: { reasons?: { reason: string }[] | null } | null }) | undefined
    return (entry?.notRestoredReasons?.reasons ?? []).map((r) => r.reason)
  })
  return { persisted, notRestored }
}

/** At most this many runs of one check while Chromium keeps passing over its cache for a masked reason. */
const ATTEMPTS = 5

/**
 * Chromium sometimes passes over its cache for reasons it does not report (notRestoredReasons
 * "masked"), seen on a loaded machine, several times in a row: such a run says nothing either way
 * and is tried again in a fresh tab, after a pause that grows with each attempt (the busy machine
 * gets to settle), so that the cache's own behaviour is what is tested. True when to try again.
 */
async function tryAgain(path: BackResult, attempt: number): Promise<boolean> {
  if (attempt === ATTEMPTS || !path.notRestored.includes('masked')) return false
  console.log(`[bfcache] not restored for a reason Chromium masks (attempt ${attempt}); trying again`)
  await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt))
  return true
}

/** The page right after Back: no token in view, none handed out, and signed out soon after. */
async function expectSignedOut(page: Page): Promise<void> {
  expect((await h().snapshot(page)).accessToken, 'token shown right after Back').toBeNull()
  expect(await page.evaluate(() => window.e2e.getAccessToken())).toEqual({ token: null, errorCode: null })
  await waitForStatus(page, 'unauthenticated', 3_000)
  const snapshot = await h().snapshot(page)
  expect(snapshot).toMatchObject({ status: 'unauthenticated', accessToken: null, storedRefreshToken: null })
  // Nothing since the page came back showed the session.
  const log = await page.evaluate(() => window.e2e.log())
  const since = log.map((e) => e.type).lastIndexOf('pageshow')
  expect(log.slice(since).filter((e) => e.type === 'state' && e.status === 'authenticated')).toEqual([])
}

describe('Back to a signed-in page after a later page of the tab ended the session', () => {
  it('logout with the broadcast: Back shows the page signed out with no token (either path)', async () => {
    await h().control('reset-counters')
    const page = await (await h().newContext()).newPage()
    await goTo(page, 'first', CACHEABLE)
    await page.evaluate(() => window.e2e.login())
    await goTo(page, 'second', CACHEABLE)
    await waitForStatus(page, 'authenticated')
    await page.evaluate(() => window.e2e.logout())

    const path = await back(page, 'first')
    // Chromium 156 evicts the cached page when the logout message reaches it (notRestoredReasons
    // "broadcastchannel-message"), so this is normally a fresh load; either path must sign out.
    console.log(
      `[bfcache] logout broadcast, then Back: ${path.persisted ? 'restored from bfcache' : `fresh load (${path.notRestored.join(', ')})`}`,
    )
    await expectSignedOut(page)
    expect(await h().counters()).toMatchObject({ logins: 1, revocations: 1, reuseEvents: 0 })
  })

  it('quiet logout (no channel, no locks in the later page): Back restores from bfcache and the page re-validates, signed out with no token', async () => {
    let page: Page
    let path: BackResult
    for (let attempt = 1; ; attempt++) {
      await h().control('reset-counters')
      page = await (await h().newContext()).newPage()
      await goTo(page, 'first', CACHEABLE)
      await page.evaluate(() => window.e2e.login())
      await goTo(page, 'second', QUIET)
      await waitForStatus(page, 'authenticated')
      await page.evaluate(() => window.e2e.logout())
      expect((await h().snapshot(page)).sessionStorage).toEqual({})
      path = await back(page, 'first')
      if (!(await tryAgain(path, attempt))) break
    }
    expect(path, 'Back must restore the first page from bfcache, or this test tests nothing').toEqual({ persisted: true, notRestored: [] })
    await expectSignedOut(page)
    expect(await h().counters()).toMatchObject({ logins: 1, revocations: 1, reuseEvents: 0 })
  })
})

describe('Chromium: Web Locks and the back/forward cache', () => {
  // Not the library's behaviour: what its design can rely on, checked on this Chromium. Holding a
  // Web Lock does not keep a page out of the bfcache, and the cached page keeps holding it. Another
  // page that contends for it (an exclusive request, or merely `navigator.locks.query()`) evicts
  // the cached page (notRestoredReasons "weblocks-contention"); a compatible shared request or a
  // request for another name does not.
  const LOCK = 'e2e-probe-lock'
  const cases: { name: string; mode: 'exclusive' | 'shared'; contend: (other: Page) => Promise<unknown>; evicted: boolean }[] = [
    { name: 'nothing else touches the lock', mode: 'exclusive', contend: async () => {}, evicted: false },
    {
      name: 'another page requests a different lock',
      mode: 'exclusive',
      contend: (other) => other.evaluate(() => navigator.locks.request('e2e-other-lock', () => {})),
      evicted: false,
    },
    {
      name: 'another page requests the same lock shared, held shared',
      mode: 'shared',
      contend: (other) =>
        other.evaluate((name) => navigator.locks.request(name, { mode: 'shared', ifAvailable: true }, (l) => l !== null), LOCK),
      evicted: false,
    },
    {
      name: 'another page calls navigator.locks.query()',
      mode: 'shared',
      contend: async (other) => {
        // The cached page's lock is still listed as held.
        const held = await other.evaluate(async () => (await navigator.locks.query()).held?.map((l) => l.name))
        expect(held).toContain(LOCK)
      },
      evicted: true,
    },
    {
      name: 'another page requests the same lock exclusively (granted at once)',
      mode: 'exclusive',
      contend: async (other) => {
        const grantedAfter = await other.evaluate(async (name) => {
          const started = performance.now()
          await navigator.locks.request(name, () => {})
          return performance.now() - started
        }, LOCK)
        expect(grantedAfter).toBeLessThan(1_000)
      },
      evicted: true,
    },
  ]

  it.each(cases)('a page holding a Web Lock, cached; $name: evicted $evicted', async ({ mode, contend, evicted }) => {
    let path: BackResult
    for (let attempt = 1; ; attempt++) {
      const context = await h().newContext()
      const page = await context.newPage()
      await goTo(page, 'holder', { ...CACHEABLE, holdLock: LOCK, lockMode: mode })
      await goTo(page, 'later', QUIET)
      const other = await context.newPage()
      await goTo(other, 'other', QUIET)
      await contend(other)
      path = await back(page, 'holder')
      if (!(await tryAgain(path, attempt))) break
    }
    expect(path).toEqual(evicted ? { persisted: false, notRestored: ['weblocks-contention'] } : { persisted: true, notRestored: [] })
  })
})
