// Real-browser harness: Debian's Chromium through playwright-core, the reference auth server over
// HTTP on 127.0.0.1, and a test page (page/main.ts, bundled with Vite at start) whose tabs each run
// a real client from src/core. Tabs are pages of one browser context, so BroadcastChannel and
// navigator.locks connect them exactly as they connect tabs of one browser.
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { perSuite } from '../support/suite'
import { serveHandler } from '../../src/testing/nodeHttp'
import { CHROMIUM_ARGS, findChromium } from '../support/chromium'
import { createAuthServer, type AuthServerCounters } from '../../src/testing/server'
import type { PageSnapshot } from './page/api'
import { bundlePage, staticFiles } from './pageServer'
import { POLL, waitForLogin } from './waits'
import { installWriteRecorder, RECORDER_BINDING, type RecordedWrite } from './writeRecorder'

export * from './waits'
export type { RecordedWrite } from './writeRecorder'

/** One /auth/refresh request as the server saw it; `tab` comes from the page's x-e2e-tab header. */
export interface RefreshRecord {
  tab: string | null
  at: number
  /** The browser dropped the connection before the answer (a closed tab). */
  aborted: boolean
  status: number | null
}

/** One /auth/logout or /auth/logout-all request (a revoke) as the server saw it. */
export interface RevokeRecord {
  tab: string | null
  path: string
  at: number
  status: number | null
}

/** In DPoP mode, one request to /auth/* or /api/* as the server saw it, with the key its proof names. */
export interface ProofRecord {
  path: string
  /** RFC 7638 thumbprint of the `jwk` in the `DPoP` header's protected header; null without a readable proof. */
  jkt: string | null
  status: number | null
}

export interface HarnessOptions {
  /** Access-token lifetime in seconds. */
  accessTokenTtl?: number
  /** Also serve the bench's React page at `/first-paint`. */
  firstPaintPage?: boolean
  /**
   * Turn Chromium's back/forward cache on (Playwright launches with it disabled). Only for tests
   * about bfcache: the other tests' navigations must stay plain loads.
   */
  bfcache?: boolean
  /** The server's DPoP mode (RFC 9449), and a `proofLog` of every /auth/* and /api/* request. */
  dpop?: boolean
}

export interface OpenTabOptions {
  /**
   * A saved copy of another tab's sessionStorage (`Object.entries(sessionStorage)`), written once
   * before the page's scripts run: a tab the browser restored with its own, older storage.
   */
  restoreSessionStorage?: [string, string][]
}

/** The marker the restore init script leaves so a reload does not write the saved copy again. */
export const RESTORED_MARKER = 'e2e-restored'

export type Harness = Awaited<ReturnType<typeof startHarness>>

/**
 * The key a request's DPoP proof names. Read, not verified (the server verifies): a test compares
 * it with the token's `cnf.jkt` and with the other requests' keys.
 */
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

export async function startHarness({ accessTokenTtl = 6, bfcache = false, firstPaintPage = false, dpop = false }: HarnessOptions = {}) {
  const executablePath = findChromium()
  const assets = await bundlePage({ firstPaint: firstPaintPage })

  const auth = createAuthServer({ accessTokenTtl, refreshGraceWindow: 0, exposeControl: true, passwordIterations: 500, dpop })
  const refreshLog: RefreshRecord[] = []
  const revokeLog: RevokeRecord[] = []
  const proofLog: ProofRecord[] = []
  /** Every access and refresh token seen during the run: issued by the server or found in a tab. */
  const tokens = new Set<string>()
  const writes: RecordedWrite[] = []

  const keepTokens = (body: unknown) => {
    if (typeof body !== 'object' || body === null) return
    for (const key of ['accessToken', 'refreshToken']) {
      const value = (body as Record<string, unknown>)[key]
      if (typeof value === 'string' && value !== '') tokens.add(value)
    }
  }

  async function handler(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url)
    const entry: RefreshRecord | null =
      pathname === '/auth/refresh' ? { tab: request.headers.get('x-e2e-tab'), at: Date.now(), aborted: false, status: null } : null
    if (entry) {
      refreshLog.push(entry)
      request.signal.addEventListener('abort', () => (entry.aborted = true), { once: true })
    }
    const revoke: RevokeRecord | null =
      pathname === '/auth/logout' || pathname === '/auth/logout-all'
        ? { tab: request.headers.get('x-e2e-tab'), path: pathname, at: Date.now(), status: null }
        : null
    if (revoke) revokeLog.push(revoke)
    // With a proof or without (jkt null): a test also counts requests by path, e.g. logins sent.
    const proof: ProofRecord | null =
      dpop && (pathname.startsWith('/auth/') || pathname.startsWith('/api/'))
        ? { path: pathname, jkt: await proofThumbprint(request), status: null }
        : null
    if (proof) proofLog.push(proof)
    const response = await auth.handler(request)
    if (entry) entry.status = response.status
    if (revoke) revoke.status = response.status
    if (proof) proof.status = response.status
    if ((pathname === '/auth/login' || pathname === '/auth/refresh') && response.ok) keepTokens(await response.clone().json())
    return response
  }

  const served = await serveHandler(handler, { host: '127.0.0.1', port: 0, fallback: staticFiles(assets) })
  const browser: Browser = await chromium.launch({
    executablePath,
    args: CHROMIUM_ARGS,
    headless: true,
    ...(bfcache ? { ignoreDefaultArgs: ['--disable-back-forward-cache'] } : {}),
  })
  const contexts = new Set<BrowserContext>()

  async function control<T = unknown>(path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${served.url}/__control/${path}`, {
      method: path === 'counters' || path.startsWith('pending-') ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!response.ok) throw new Error(`/__control/${path} answered HTTP ${response.status}`)
    return (await response.json()) as T
  }

  /** A fresh browser profile's worth of tabs, with every storage write recorded. */
  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ baseURL: served.url })
    contexts.add(context)
    await context.exposeBinding(RECORDER_BINDING, (_source, kind: RecordedWrite['kind'], value: string) => {
      writes.push({ kind, value })
    })
    await context.addInitScript(installWriteRecorder)
    return context
  }

  /** Opens a tab of `context` on the test page and waits for its client to exist. */
  async function openTab(
    context: BrowserContext,
    tab: string,
    query: Record<string, string> = {},
    { restoreSessionStorage }: OpenTabOptions = {},
  ): Promise<Page> {
    const page = await context.newPage()
    if (restoreSessionStorage) {
      await page.addInitScript(
        ([saved, marker]) => {
          if (sessionStorage.getItem(marker) !== null) return
          for (const [key, value] of saved) sessionStorage.setItem(key, value)
          sessionStorage.setItem(marker, '1')
        },
        [restoreSessionStorage, RESTORED_MARKER] as const,
      )
    }
    await page.goto(`/?${new URLSearchParams({ tab, ...query })}`)
    await page.waitForFunction(() => window.e2e !== undefined, undefined, { polling: POLL })
    return page
  }

  /** Opens `count` tabs named `${prefix}0`, `${prefix}1`, … one after another. */
  async function openTabs(context: BrowserContext, count: number, prefix = 't', query: Record<string, string> = {}): Promise<Page[]> {
    const pages: Page[] = []
    for (let i = 0; i < count; i++) pages.push(await openTab(context, `${prefix}${i}`, query))
    return pages
  }

  /** Keeps every token a tab holds or received; call before closing the tab. */
  async function harvest(pages: Page[]): Promise<void> {
    for (const page of pages) {
      if (page.isClosed()) continue
      const { snapshot, received, swept } = await page.evaluate(async () => ({
        snapshot: window.e2e.snapshot(),
        received: window.e2e.receivedTokens(),
        // What the recorder cannot see being written (plain property writes, cookies set by script
        // some other way): read back whatever is there now.
        swept: [
          ...Object.entries(localStorage).map(([k, v]) => `localStorage ${k}=${v}`),
          `cookie ${document.cookie}`,
          ...(await indexedDB.databases()).map((db) => `indexedDB ${db.name}`),
        ],
      }))
      keepSnapshot(snapshot)
      received.forEach((token) => tokens.add(token))
      swept.forEach((value) => writes.push({ kind: 'sweep', value }))
    }
  }

  function keepSnapshot(snapshot: PageSnapshot): PageSnapshot {
    if (snapshot.accessToken) tokens.add(snapshot.accessToken)
    if (snapshot.storedRefreshToken) tokens.add(snapshot.storedRefreshToken)
    return snapshot
  }

  async function closeContext(context: BrowserContext): Promise<void> {
    if (!contexts.has(context)) return
    await harvest(context.pages())
    contexts.delete(context)
    await context.close()
  }

  return {
    url: served.url,
    browser,
    server: auth,
    refreshLog,
    revokeLog,
    proofLog,
    tokens,
    writes,
    control,
    counters: () => control<AuthServerCounters>('counters'),
    async pendingRefreshes(): Promise<number> {
      return (await control<{ pending: number }>('pending-refreshes')).pending
    },
    newContext,
    openTab,
    openTabs,
    harvest,
    /** Harvests the tab's tokens, then closes it the way a user closes a tab. */
    async closeTab(page: Page): Promise<void> {
      await harvest([page])
      await page.close()
    },
    async snapshot(page: Page): Promise<PageSnapshot> {
      return keepSnapshot(await page.evaluate(() => window.e2e.snapshot()))
    },
    closeContext,
    /** Closes every context still open (after each test). */
    async closeContexts(): Promise<void> {
      for (const context of [...contexts]) await closeContext(context)
    },
    /**
     * Zeroes the server counters, opens a fresh profile with `count` tabs and logs in from the
     * first; resolves once every tab holds the login (with short-lived tokens, a tab checked last
     * may already hold its first rotation: the login is what is waited for, not its first token).
     */
    async loggedInTabs(count: number, query: Record<string, string> = {}) {
      await control('reset-counters')
      const context = await newContext()
      const tabs = await openTabs(context, count, 't', query)
      const pair = await tabs[0]!.evaluate(() => window.e2e.login())
      const { sessionId } = await tabs[0]!.evaluate(() => window.e2e.snapshot())
      for (const tab of tabs) await waitForLogin(tab, sessionId!)
      return { context, tabs, ...pair }
    },
    async close(): Promise<void> {
      for (const context of [...contexts]) await closeContext(context).catch(() => {})
      await browser.close()
      await served.close()
    },
  }
}

/**
 * The set-up every e2e suite shares, written once instead of in each suite: registers (in the
 * current `describe` when called inside one) a `beforeAll` that starts a harness with `options`,
 * an `afterEach` that closes the contexts a test left open, and an `afterAll` that closes browser
 * and server. Returns a getter, not the harness: it exists only once `beforeAll` has run, so tests
 * and their helpers call `h()`. Not named `use…`: it is no React hook. (The bench calls
 * `startHarness` itself.)
 */
export function suiteHarness(options: HarnessOptions = {}): () => Harness {
  return perSuite(
    'suiteHarness',
    () => startHarness(options),
    (harness) => harness.closeContexts(),
  )
}
