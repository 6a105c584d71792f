// The engines harness: the reference server over HTTP on 127.0.0.1 (strict rotation, its
// requests logged), the e2e test page (bundled with its write recorder, served by
// tests/e2e/pageServer.ts) and tabs of one engine behind the small interface of browsers.ts.
// Every wait is a condition polled in the page, never a fixed sleep.
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll } from 'vitest'
import { perSuite } from '../support/suite'
import { serveHandler } from '../../src/testing/nodeHttp'
import { createAuthServer, type AuthServerCounters } from '../../src/testing/server'
import type { PageSnapshot } from '../e2e/page/api'
import { bundlePage, staticFiles } from '../e2e/pageServer'
import { installWriteRecorder, RECORDER_BINDING, type RecordedWrite } from '../e2e/writeRecorder'
import { launchEngine, type EngineBrowser, type EngineName, type Profile, type Tab } from './browsers'

export const POLL = 15

export interface ServerOptions {
  /** Access-token lifetime in seconds. */
  accessTokenTtl?: number
  /** The server's DPoP mode (RFC 9449), with the key of every request's proof in `proofLog`. */
  dpop?: boolean
}

/** One /auth/refresh request as the server saw it (`tab`: the page's x-e2e-tab header). */
export interface RefreshRecord {
  tab: string | null
  status: number | null
}
export interface ProofRecord {
  path: string
  /** RFC 7638 thumbprint of the key in the `DPoP` header; null without a readable proof. */
  jkt: string | null
  status: number | null
}

/** A tab of the harness: the engine's tab, its name (the page's `tab` parameter) and its profile. */
export interface HTab extends Tab {
  readonly name: string
  readonly profile: HProfile
}
export interface HProfile {
  readonly profile: Profile
  readonly tabs: Set<HTab>
}

/**
 * The e2e write recorder (writeRecorder.ts, written to be serialised) reporting into the page's
 * memory instead of a Playwright binding, since WebDriver classic has neither init scripts nor
 * bindings. Put in front of the page's own script, it runs before any of it; the harness collects
 * the writes with `__engineWrites()` before a page goes away.
 */
const RECORDER_PRELUDE = `(() => {
  const writes = []
  window.${RECORDER_BINDING} = async (kind, value) => void writes.push({ kind, value })
  window.__engineWrites = () => writes.splice(0)
  ;(${installWriteRecorder.toString()})()
})();
`

/** The e2e test page (bundled by tests/e2e/pageServer.ts) with the write recorder in front of its script. */
export async function bundleEnginePage(): Promise<Map<string, string>> {
  const assets = await bundlePage()
  assets.set('/main.js', RECORDER_PRELUDE + assets.get('/main.js')!)
  return assets
}

async function proofThumbprint(request: Request): Promise<string | null> {
  const proof = request.headers.get('dpop')
  if (proof === null) return null
  try {
    const { jwk } = decodeProtectedHeader(proof)
    return jwk ? await calculateJwkThumbprint(jwk) : null
  } catch {
    return null
  }
}

/** What one engine's run keeps across its servers: every token seen and every write recorded. */
export interface EngineRecord {
  tokens: Set<string>
  writes: RecordedWrite[]
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

/**
 * One engine's browser for a `describe`: launched in `beforeAll`, closed in `afterAll`. The test
 * page is bundled once per process.
 */
let bundled: Promise<Map<string, string>> | undefined
export function engineBrowser(engine: EngineName) {
  let browser: EngineBrowser | undefined
  let assets: Map<string, string> | undefined
  const record: EngineRecord = { tokens: new Set(), writes: [] }
  beforeAll(async () => {
    assets = await (bundled ??= bundleEnginePage())
    browser = await launchEngine(engine)
  })
  afterAll(async () => {
    await browser?.close()
  })
  return () => {
    if (!browser || !assets) throw new Error(`engineBrowser(${engine}): started in beforeAll; call it from a test or a hook`)
    return { engine, browser, assets, record }
  }
}

export type EngineRun = ReturnType<ReturnType<typeof engineBrowser>>
export type Harness = Awaited<ReturnType<typeof startServer>>

export async function startServer(run: EngineRun, { accessTokenTtl = 60, dpop = false }: ServerOptions = {}) {
  const { browser, assets, record } = run
  const auth = createAuthServer({ accessTokenTtl, refreshGraceWindow: 0, exposeControl: true, passwordIterations: 500, dpop })
  const refreshLog: RefreshRecord[] = []
  const revokeLog: RefreshRecord[] = []
  const proofLog: ProofRecord[] = []

  const keepTokens = (body: unknown) => {
    if (typeof body !== 'object' || body === null) return
    for (const key of ['accessToken', 'refreshToken']) {
      const value = (body as Record<string, unknown>)[key]
      if (typeof value === 'string' && value !== '') record.tokens.add(value)
    }
  }

  async function handler(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url)
    const tab = request.headers.get('x-e2e-tab')
    const refresh: RefreshRecord | null = pathname === '/auth/refresh' ? { tab, status: null } : null
    if (refresh) refreshLog.push(refresh)
    const revoke: RefreshRecord | null = pathname === '/auth/logout' ? { tab, status: null } : null
    if (revoke) revokeLog.push(revoke)
    const proof: ProofRecord | null =
      dpop && (pathname.startsWith('/auth/') || pathname.startsWith('/api/'))
        ? { path: pathname, jkt: await proofThumbprint(request), status: null }
        : null
    if (proof) proofLog.push(proof)
    const response = await auth.handler(request)
    for (const entry of [refresh, revoke, proof]) if (entry) entry.status = response.status
    if ((pathname === '/auth/login' || pathname === '/auth/refresh') && response.ok) keepTokens(await response.clone().json())
    return response
  }

  const served = await serveHandler(handler, { host: '127.0.0.1', port: 0, fallback: staticFiles(assets) })
  const profiles = new Set<HProfile>()

  async function control<T = unknown>(path: string): Promise<T> {
    const method = path === 'counters' || path.startsWith('pending-') ? 'GET' : 'POST'
    const response = await fetch(`${served.url}/__control/${path}`, { method })
    if (!response.ok) throw new Error(`/__control/${path} answered HTTP ${response.status}`)
    return (await response.json()) as T
  }

  /**
   * Polls `predicate(arg)` in the tab until it returns something truthy, and returns that. A
   * page between documents (a navigation) is polled again.
   */
  async function waitFor<R, A = undefined>(tab: Tab, predicate: (arg: A) => R, arg?: A, what = 'a condition', timeout = 10_000) {
    const deadline = Date.now() + timeout
    let last: unknown
    for (;;) {
      try {
        const value = await tab.evaluate(predicate, arg)
        if (value) return value
      } catch (error) {
        last = error
      }
      if (Date.now() > deadline)
        throw new Error(`Timed out after ${timeout} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`)
      await sleep(POLL)
    }
  }

  const waitForStatus = (tab: HTab, status: string, timeout = 10_000) =>
    waitFor(tab, (s) => window.e2e?.snapshot().status === s, status, `${tab.name} to be ${status}`, timeout)

  const waitForToken = (tab: HTab, token: string, timeout = 10_000) =>
    waitFor(
      tab,
      (t) => window.e2e?.snapshot().status === 'authenticated' && window.e2e.snapshot().accessToken === t,
      token,
      `${tab.name} to show a given token`,
      timeout,
    )

  /** Until the tab's page is the one named `name` (after a navigation) with its client created. */
  const waitForPage = (tab: Tab, name: string) => waitFor(tab, (n) => window.e2e?.tab === n, name, `the page of tab ${name}`)

  function keepSnapshot(snapshot: PageSnapshot): PageSnapshot {
    if (snapshot.accessToken) record.tokens.add(snapshot.accessToken)
    if (snapshot.storedRefreshToken) record.tokens.add(snapshot.storedRefreshToken)
    return snapshot
  }

  /** Keeps what the tab's page holds, received and wrote, before the page goes away. */
  async function harvest(tab: Tab): Promise<void> {
    const found = await tab
      .evaluate(async () => {
        if (!window.e2e) return null
        const page = window as unknown as { __engineWrites?: () => RecordedWrite[] }
        return {
          snapshot: window.e2e.snapshot(),
          received: window.e2e.receivedTokens(),
          writes: page.__engineWrites?.() ?? [],
          // What the recorder cannot see being written: whatever is there now.
          swept: [
            ...Object.entries(localStorage).map(([k, v]) => `localStorage ${k}=${v}`),
            `cookie ${document.cookie}`,
            ...(await indexedDB.databases()).map((db) => `indexedDB ${db.name}`),
          ],
        }
      })
      .catch(() => null)
    if (!found) return
    keepSnapshot(found.snapshot)
    found.received.forEach((token) => record.tokens.add(token))
    record.writes.push(...found.writes, ...found.swept.map((value): RecordedWrite => ({ kind: 'sweep', value })))
  }

  const pageUrl = (name: string, query: Record<string, string>) => `${served.url}/?${new URLSearchParams({ tab: name, ...query })}`

  function wrap(engineTab: Tab, name: string, owner: HProfile): HTab {
    const tab: HTab = {
      name,
      profile: owner,
      evaluate: (fn, arg) => engineTab.evaluate(fn, arg),
      goto: async (url) => (await harvest(engineTab), await engineTab.goto(url)),
      reload: async () => (await harvest(engineTab), await engineTab.reload()),
      back: async () => (await harvest(engineTab), await engineTab.back()),
      close: async () => {
        await harvest(engineTab)
        owner.tabs.delete(tab)
        await engineTab.close()
      },
    }
    owner.tabs.add(tab)
    return tab
  }

  const h = {
    engine: run.engine,
    url: served.url,
    server: auth,
    refreshLog,
    revokeLog,
    proofLog,
    control,
    counters: () => control<AuthServerCounters>('counters'),
    pendingRefreshes: async () => (await control<{ pending: number }>('pending-refreshes')).pending,
    pendingLogouts: async () => (await control<{ pending: number }>('pending-logouts')).pending,
    waitFor,
    waitForStatus,
    waitForToken,
    waitForPage,
    pageUrl,
    harvest,
    /** A fresh browser profile (no cookies, storage or IndexedDB of earlier tests). */
    async newProfile(): Promise<HProfile> {
      const profile: HProfile = { profile: await browser.newProfile(), tabs: new Set() }
      profiles.add(profile)
      return profile
    },
    /**
     * Opens a tab on the test page and waits for its client. `restoreSessionStorage`: the tab
     * first holds this saved copy of another tab's sessionStorage, written on a page of the same
     * origin before the test page loads (a tab the browser restored with its own, older storage).
     */
    async openTab(
      profile: HProfile,
      name: string,
      query: Record<string, string> = {},
      { restoreSessionStorage }: { restoreSessionStorage?: [string, string][] } = {},
    ): Promise<HTab> {
      let tab: HTab
      if (restoreSessionStorage) {
        tab = wrap(await profile.profile.openTab(`${served.url}/restored-tab`), name, profile)
        await tab.evaluate((saved) => saved.forEach(([key, value]) => sessionStorage.setItem(key, value)), restoreSessionStorage)
        await tab.goto(pageUrl(name, query))
      } else {
        tab = wrap(await profile.profile.openTab(pageUrl(name, query)), name, profile)
      }
      await waitForPage(tab, name)
      return tab
    },
    async snapshot(tab: HTab): Promise<PageSnapshot> {
      return keepSnapshot(await tab.evaluate(() => window.e2e.snapshot()))
    },
    async closeProfile(profile: HProfile): Promise<void> {
      if (!profiles.delete(profile)) return
      for (const tab of profile.tabs) await harvest(tab)
      await profile.profile.close()
    },
    /** Zeroes the counters, opens a fresh profile with `count` tabs (together), logs in from the first; resolves once all show the login. */
    async loggedInTabs(count: number, query: Record<string, string> = {}) {
      await control('reset-counters')
      const profile = await h.newProfile()
      const tabs = await Promise.all(Array.from({ length: count }, (_, i) => h.openTab(profile, `t${i}`, query)))
      const pair = await tabs[0]!.evaluate(() => window.e2e.login())
      for (const tab of tabs) await waitForToken(tab, pair.accessToken)
      return { profile, tabs, ...pair }
    },
    async closeProfiles(): Promise<void> {
      for (const profile of [...profiles]) await h.closeProfile(profile).catch(() => {})
    },
    async close(): Promise<void> {
      await h.closeProfiles()
      await served.close()
    },
  }
  return h
}

/**
 * A reference server for the tests of one `describe` (its own origin, so its storage, channels
 * and locks are its own), with the profiles a test opened closed after it.
 */
export function serverSuite(run: () => EngineRun, options: ServerOptions = {}): () => Harness {
  return perSuite(
    'serverSuite',
    () => startServer(run(), options),
    (harness) => harness.closeProfiles(),
  )
}
