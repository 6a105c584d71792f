// The world of the session model: a virtual clock, one browser (a shared cookie jar, a channel
// hub and a lock manager) with several tabs, a network with virtual latency, and the reference
// server. Everything observable is recorded so the invariants can be checked after each step.
//
// Time: virtual only. Client timers and clocks are injected (`timers`, `now`), the server's clock
// is pinned to virtual time through `control.setClockOffset` right before each request it
// handles, and nothing global is faked: jose's WebCrypto work stays real, and `idle()` waits
// for it (server requests are handled one at a time, in arrival order, so a run replays
// deterministically from its seed).
import { restRefresh, restRevoke } from '../../../src/adapters/rest'
import { createAuthClient } from '../../../src/core/client'
import { cookieRestore } from '../../../src/parts/cookieRestore'
import { hasuraRole } from '../../../src/parts/hasuraRole'
import { sessionTimeout } from '../../../src/parts/sessionTimeout'
import type { AuthClient, AuthClientOptions } from '../../../src/core'
import type { WakeKind } from '../../../src/core/wakeEvents'
import { createMemoryStorage } from '../../../src/testing/memoryStorage'
import { cookieName, REFRESH_COOKIE } from '../../../src/testing/server/cookies'
import { createAuthServer, createBrowserFetch } from '../../../src/testing/server/index'
import { createTabHarness } from '../../../src/testing/tabHarness'
import { readClaims, T0 } from '../../support/session'
import { Limits, PLAIN, type ModelConfig } from './optIn'
import { VirtualClock } from './clock'
import { RequestChecks } from './requestChecks'
import { gatedChannel, gatedLocks } from './tabGates'

export const ORIGIN = 'https://app.test'
/** Server access-token lifetime, s: refresh lead = min(60 s, ttl/3) = 20 s, plus up to 10 s jitter. */
export const ACCESS_TTL = 60
/**
 * Server grace window, s. A lost refresh answer (the server rotated, the browser never got the
 * pair) is only survivable with one: the retry presents the spent token again, and without a
 * grace window that is indistinguishable from theft (reuse → family revoked). The retry comes
 * from the same tab after the first backoff step (0.5–1 s) or from a sibling tab of the same
 * session within its jitter (≤ 10 s), plus network latency: 10 s covers both. A re-presentation
 * later than that (the tab was frozen, stopped or closed, repeated failures) is counted as
 * excused rather than as a library fault: nobody holds the successor, so it cannot be avoided.
 */
export const GRACE = 10
/** Client refresh timeout (ms). Since 2ca3778 a tab waits this + 2 s for the refresh lock, then takes it over. */
export const REFRESH_TIMEOUT = 5_000
const MAX_LATENCY = 200
/**
 * A lock query's round trip: a few ms in a browser, more on a busy machine. Only with
 * MODEL_LOCK_LATENCY=1 for now: late answers still find defects (a restored tab bringing back a
 * logged-out login), so they are not yet in `npm test`; without it, every query answers at once.
 */
const MAX_QUERY_LATENCY = process.env.MODEL_LOCK_LATENCY === '1' ? 30 : 0
/** A browser runs a timer set for longer than this at once (the delay overflows a 32-bit int). */
const MAX_TIMER_DELAY = 0x7fffffff
/** The cookie-mode refresh cookie on https. */
const REFRESH_COOKIE_NAME = cookieName(REFRESH_COOKIE, true)
/** The refresh lock's names: before 2ca3778 one per key, since then one per session generation (`…:refresh:<family>:<gen>`). */
const LEGACY_LOCK = 'jwt-session:refresh:jwt-session'
const LOCK_PREFIX = 'jwt-session:jwt-session:refresh'
const isRefreshLock = (name: string) => name === LEGACY_LOCK || name.startsWith(LOCK_PREFIX)
export const USERS = [
  { username: 'alice', password: 'alice-password', id: 'user-alice' },
  { username: 'admin', password: 'admin-password', id: 'user-admin' },
] as const

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function claimsOf(token: string | null | undefined): Record<string, unknown> | null {
  if (!token) return null
  try {
    return readClaims(token)
  } catch {
    return null
  }
}

/** One pair the server issued (login or rotation), as the model tracks it. */
export interface Issued {
  accessToken: string
  refreshToken: string
  sid: string
  sub: string
  gen: number
  /** Which login (in server order) the pair descends from. */
  login: number
  /** That login's issue time on the server's clock, in whole seconds (its `iat`). */
  loginIat: number
  /** Server time of the first rotation of this pair's refresh token. */
  rotatedAt?: number
  /** Where that rotation stands among the answers the server gave (`World.served`). */
  rotatedSeq?: number
  successor?: Issued
  /** The pair reached a tab (the answer was not lost on the way). */
  delivered: boolean
}

interface Presentation {
  tab: Tab
  state: 'sending' | 'served' | 'dropped'
  /** The library could not have avoided this presentation; the server may call it reuse. */
  excused: boolean
  family?: string
  /** A retry of a pair whose answer was lost, within the grace window. */
  retryOf?: { entry: Issued; where: string }
}

export interface Tab {
  id: number
  /** Which tab it restores (the id of the closed tab), for the report. */
  restoredFrom?: number
  client: AuthClient
  storage: Storage
  started: boolean
  frozen: boolean
  closed: boolean
  frozenTotal: number
  frozenSince: number
  deferred: Array<() => void>
  thawWaiters: Array<() => void>
  closedPromise: Promise<void>
  closeNow: () => void
  wake: (kind?: WakeKind) => void
  /** User input in the page: the session timeout's `activityEvents` callback while it listens. */
  input: () => void
  /** How often the client was started: a new start is a new timeout part with its own idle clock. */
  starts: number
  /** The session and start the limits model last saw in this tab (see `Limits.appeared`). */
  seenAs?: string
  closeSnapshot?: Record<string, string>
  /** Session ids this tab has shown or stored, for invariant 2's reachability. */
  sawSids: Set<string>
  /** Names of the Web Locks this tab holds now (one entry per grant). */
  locksHeld: string[]
  /** Resolves at once, or when the tab thaws (or closes). */
  runnable(): Promise<void>
}

export class World extends VirtualClock {
  clientOffset = 0
  serverSkew = 0
  /** Lowest and highest server clock skew so far. */
  skewRange: [number, number] = [0, 0]
  readonly server = createAuthServer({
    passwordIterations: 1,
    accessTokenTtl: ACCESS_TTL,
    refreshGraceWindow: GRACE,
    secret: 'model-test-secret-that-is-at-least-32-bytes',
  })
  readonly browser = createBrowserFetch(this.server.handler, { origin: ORIGIN })
  readonly harness = createTabHarness()
  readonly tabs: Tab[] = []
  readonly notes: string[] = []
  /** How often the interesting situations came up (printed with MODEL_TALLY=1). */
  readonly stats = new Map<string, number>()
  refreshesSent = 0
  /** Refresh requests sent, with or without a token in the body (a cold start sends none). */
  refreshRequests = 0
  /** Refresh answers the server was told to fail that no refresh has used up yet. */
  failsPending = 0
  lastSender: Tab | null = null
  /** Set to an array to collect every tab's AuthEvents (for debugging a counterexample). */
  eventLog: string[] | null = null
  private readonly net: () => number
  private readonly lockNet: () => number
  step = 0
  // ---- records ----
  readonly byRefresh = new Map<string, Issued>()
  readonly byAccess = new Map<string, Issued>()
  private readonly presentations = new Map<string, Presentation[]>()
  readonly revokedSids = new Set<string>()
  /**
   * The answers the server gave that issued a pair, counted: the order of logins and rotations as
   * they happened. Not the server clock, which a skew step can move back between two answers.
   */
  private served = 0
  /** Where each login served stands in that count, in order. */
  readonly loginsServed: number[] = []
  /** Families a re-presentation the library could not avoid may have killed. */
  readonly killedSids = new Set<string>()
  excused = 0
  /** Lowest and highest client clock offset so far: how far a client's idea of expiry can be off. */
  offsetRange: [number, number] = [0, 0]
  loseNext = 0
  revokesInFlight = 0
  /** The latest login (client.login call) or logout, for invariant 2. */
  latest:
    | { kind: 'none' }
    | { kind: 'logout'; told: Set<Tab>; remember: Set<Tab> }
    | { kind: 'login'; sid: string; sub: string; told: Set<Tab> } = {
    kind: 'none',
  }

  readonly limits: Limits
  readonly requests = new RequestChecks(this)

  constructor(
    private readonly seed: number,
    readonly config: ModelConfig = PLAIN,
  ) {
    super()
    this.net = mulberry32(seed ^ 0x5eed)
    this.lockNet = mulberry32(seed ^ 0x10c5)
    this.limits = new Limits(this)
  }

  spread(): number {
    return this.offsetRange[1] - this.offsetRange[0] + this.skewRange[1] - this.skewRange[0]
  }

  /**
   * A laptop sleep of `ms`: no timer runs (every pending one waits as long again), while the
   * client's and the server's wall clocks move on.
   */
  sleep(ms: number): void {
    this.pauseTimers(ms)
    for (const tab of this.tabs) if (tab.frozen) tab.frozenSince += ms
  }

  clientNow = (): number => T0 + this.vt + this.clientOffset
  serverNow = (): number => T0 + this.vt + this.serverSkew

  private latency(): number {
    const r = this.net()
    return r < 0.25 ? 0 : Math.floor(r * MAX_LATENCY)
  }

  /** How late a lock query's answer comes, on a stream of its own (the network's stays as it was). */
  private queryLatency(): number {
    const r = this.lockNet()
    return r < 0.5 || MAX_QUERY_LATENCY === 0 ? 0 : Math.floor(r * MAX_QUERY_LATENCY)
  }

  /**
   * The server handles one request at a time, its clock pinned to virtual server time. `before`
   * runs right before it handles this one; the answer comes with the refresh cookie as it left it.
   */
  private serve(
    request: Request,
    before?: () => void,
  ): Promise<{ status: number; text: string; contentType: string | null; refreshCookie: string | undefined }> {
    this.serving++
    const run = this.serveTail.then(async () => {
      before?.()
      this.server.control.setClockOffset(this.serverNow() - Date.now())
      const response = await this.browser(request)
      const refreshCookie = this.refreshCookie()
      return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type'), refreshCookie }
    })
    this.serveTail = run.then(
      () => void this.serving--,
      () => void this.serving--,
    )
    return run
  }

  /** The cookie-mode refresh token the browser holds now. */
  refreshCookie(): string | undefined {
    return this.browser.cookies().get(REFRESH_COOKIE_NAME) || undefined
  }

  // ---- the ledger of issued pairs ----

  /** `cookie`: the refresh cookie the answer left, which holds the refresh token in cookie mode. */
  private record(body: string, parent: Issued | null, cookie?: string): Issued | null {
    let pair: { accessToken?: unknown; refreshToken?: unknown }
    try {
      pair = JSON.parse(body) as typeof pair
    } catch {
      return null
    }
    if (pair.refreshToken === undefined && this.config.cookie) pair.refreshToken = cookie
    if (typeof pair.accessToken !== 'string' || typeof pair.refreshToken !== 'string') return null
    const known = this.byRefresh.get(pair.refreshToken)
    if (known) return known // a grace-window replay: the very pair of the first rotation
    const claims = claimsOf(pair.accessToken)
    if (!claims) return null
    const issued: Issued = {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      sid: String(claims.sid),
      sub: String(claims.sub),
      gen: parent ? parent.gen + 1 : 0,
      login: parent ? parent.login : this.loginsServed.push(++this.served),
      loginIat: parent ? parent.loginIat : Math.floor(this.serverNow() / 1000),
      delivered: false,
    }
    this.byRefresh.set(issued.refreshToken, issued)
    this.byAccess.set(issued.accessToken, issued)
    return issued
  }

  /**
   * Whether login `sid` has an earlier login whose iat is not earlier: the server clock stepped
   * back between the two, and a tab that knew of neither when it logged in cannot order them.
   */
  unorderable(sid: string): boolean {
    const logins = [...this.byRefresh.values()].filter((i) => i.gen === 0)
    const mine = logins.find((i) => i.sid === sid)
    return !!mine && logins.some((i) => i.login < mine.login && i.loginIat >= mine.loginIat)
  }

  /** The issued pairs an open tab holds now, in memory (snapshot) or in its storage. */
  held(tab: Tab): Issued[] {
    const out: Issued[] = []
    const shown = this.byAccess.get(tab.client.getSnapshot().accessToken ?? '')
    if (shown) out.push(shown)
    for (let i = 0; i < tab.storage.length; i++) {
      const raw = tab.storage.getItem(tab.storage.key(i)!)
      try {
        const stored = this.byAccess.get((JSON.parse(raw ?? 'null') as { accessToken?: string } | null)?.accessToken ?? '')
        if (stored) out.push(stored)
      } catch {
        // not ours
      }
    }
    return out
  }

  /**
   * Invariant 1 at the moment a tab sends refresh token `token`: sending a token is a fault of
   * the library when another open tab is sending it right now, or when its rotation already
   * reached a tab and an open tab holds that newer pair (the library could have known). It is
   * excused when nobody open knows the newer pair (all its holders closed) or when the earlier
   * answer was lost and the grace window has passed; the server may then count a reuse.
   */
  count(what: string): void {
    this.stats.set(what, (this.stats.get(what) ?? 0) + 1)
  }

  private present(tab: Tab, token: string): Presentation {
    this.refreshesSent++
    this.lastSender = tab
    if (!holdsRefreshLock(tab)) this.count('refresh sent outside the refresh lock')
    if (this.presentations.has(token)) this.count('refresh token presented again')
    const entry = this.byRefresh.get(token)
    const list = this.presentations.get(token) ?? []
    this.presentations.set(token, list)
    const mine: Presentation = { tab, state: 'sending', excused: false, family: entry?.sid }
    if (entry && !this.revokedSids.has(entry.sid)) {
      const where = `tab ${tab.id} sent refresh token gen ${entry.gen} of ${entry.sid.slice(0, 6)} (user ${entry.sub}) at t=${this.vt}`
      const concurrent = list.find((p) => p.state === 'sending' && !p.tab.closed)
      if (concurrent) {
        this.violations.push(`inv1 double spend: ${where} while tab ${concurrent.tab.id} is sending it`)
      } else if (entry.successor && !this.config.cookie) {
        // (In cookie mode the browser, not the library, picks the token: the cookie it holds.)
        // A re-presentation: the server accepts it only as a grace-window replay. Only running
        // tabs count as knowing the newer pair: a stopped client keeps nothing open (no channel,
        // no marker lock), so its stored pair is out of every other tab's sight.
        const knows = (t: Tab) => !t.closed && t.started
        const newerGen = this.tabs.find((t) => knows(t) && this.held(t).some((i) => i.sid === entry.sid && i.gen > entry.gen))
        // A later login whose iat is not later (the server clock stepped back between the two)
        // cannot be ordered by a tab that knew of no session when it logged in: nothing can.
        const newerLogin = this.tabs.find((t) => knows(t) && this.held(t).some((i) => i.login > entry.login && i.loginIat > entry.loginIat))
        const since = this.serverNow() - entry.rotatedAt!
        if (newerGen) {
          this.violations.push(`inv1 stale spend: ${where}; it was already rotated and open tab ${newerGen.id} holds gen ${entry.gen + 1}+`)
        } else if (newerLogin) {
          this.violations.push(`inv1 superseded spend: ${where}; it was already rotated and open tab ${newerLogin.id} holds a newer login`)
        } else if (entry.successor.delivered) {
          this.excuse(mine, `${where}: already rotated, no running tab holds the newer pair`)
        } else if (since > GRACE * 1000) {
          this.excuse(mine, `${where}: its rotation's answer was lost ${since} ms ago (> grace)`)
        } else {
          mine.retryOf = { entry, where } // a grace-window retry; see `send`
        }
      }
    }
    list.push(mine)
    return mine
  }

  private excuse(presentation: Presentation, why: string): void {
    this.excused++
    presentation.excused = true
    this.notes.push(`excused: ${why}`)
  }

  // ---- the network as each tab sees it ----

  /** The app's login form, posted from `tab` (through the same network and cookie jar). */
  async loginRequest(tab: Tab, username: string, password: string): Promise<{ accessToken: string; refreshToken: string }> {
    const response = await this.send(tab, `${ORIGIN}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password, ...(this.config.cookie && { cookieMode: true }) }),
    })
    if (!response.ok) throw new Error(`login answered ${response.status}`)
    return (await response.json()) as { accessToken: string; refreshToken: string }
  }

  private async send(tab: Tab, input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    if (input instanceof Request) throw new Error('model: the client is expected to call fetch with a URL')
    const url = new URL(String(input), ORIGIN)
    const headers = new Headers(init.headers)
    const body = typeof init.body === 'string' ? init.body : undefined
    const signal = init.signal
    if (signal?.aborted) throw signal.reason
    const path = url.pathname
    // The pair the tab holds as it sends (shown, else stored: an expired copy a restored tab
    // refreshes shows nothing); in cookie mode, which login a refresh is for.
    const shown = this.held(tab)[0]
    // Set at sending, or in cookie mode when the server reads the cookie.
    const refresh: { presentation: Presentation | null; parent: Issued | null } = { presentation: null, parent: null }
    const presentNow = (token: string) => {
      refresh.parent = this.byRefresh.get(token) ?? null
      refresh.presentation = this.present(tab, token)
    }
    // In cookie mode the token is the refresh cookie the browser holds when the server reads it.
    let fromCookie = false
    if (path === '/auth/refresh') {
      this.refreshRequests++
      const token = (JSON.parse(body ?? '{}') as { refreshToken?: string }).refreshToken
      if (token) presentNow(token)
      else fromCookie = true
    }
    const callId = headers.get('x-model-call')
    if (callId) this.requests.checkComposed(tab, callId, headers)
    const isRevoke = path === '/auth/logout'
    if (isRevoke) this.revokesInFlight++
    try {
      try {
        await this.delay(this.latency(), signal)
      } catch (error) {
        if (refresh.presentation) refresh.presentation.state = 'dropped'
        throw error
      }
      // A page that closes cancels its requests, but for `keepalive` ones (as browsers do).
      if (tab.closed && !init.keepalive) {
        if (refresh.presentation) refresh.presentation.state = 'dropped'
        return never()
      }
      if (isRevoke) this.noteRevoke(headers, body)
      const retry = refresh.presentation?.retryOf
      if (retry && this.loginsServed.some((seq) => seq > retry.entry.rotatedSeq!)) {
        // The grace replay needs the family's fingerprint cookie; a login the app posted since
        // (its answer maybe not yet handed to any client) replaced it. A race on the wire.
        this.excuse(refresh.presentation!, `${retry.where}: its answer was lost and a login served since replaced the fingerprint cookie`)
      } else if (retry && !refresh.presentation!.excused && this.serverNow() - retry.entry.rotatedAt! > GRACE * 1000) {
        // Sent inside the grace window, but it reached the server after it (network time).
        this.excuse(refresh.presentation!, `${retry.where}: its answer was lost and the retry arrived after the grace window`)
      }
      const reply = await this.serve(
        new Request(url, { method: init.method ?? 'GET', headers, body }),
        fromCookie ? () => void (this.refreshCookie() && presentNow(this.refreshCookie()!)) : undefined,
      )
      if (path === '/auth/refresh' && this.failsPending > 0) this.failsPending--
      const { presentation, parent } = refresh
      if (presentation) presentation.state = 'served'
      if (presentation?.excused && presentation.family && reply.status === 401) this.killedSids.add(presentation.family)
      let issued: Issued | null = null
      if (reply.status === 200 && path === '/auth/refresh' && parent) {
        issued = this.record(reply.text, parent, reply.refreshCookie)
        // The browser's one refresh cookie may name another login than the tab's (cookie mode):
        // that answer is never a rotation of the tab's session, which ends.
        if (this.config.cookie && shown && issued && issued.sid !== shown.sid) this.killedSids.add(shown.sid)
        if (issued && !parent.successor) {
          parent.successor = issued
          parent.rotatedAt = this.serverNow()
          parent.rotatedSeq = ++this.served
        }
      } else if (reply.status === 200 && path === '/auth/login') {
        issued = this.record(reply.text, null, reply.refreshCookie)
      }
      const lose = path === '/auth/refresh' && this.loseNext > 0
      if (lose) this.loseNext--
      await this.delay(this.latency(), signal)
      if (lose) {
        this.count('refresh answer lost')
        throw new TypeError('Failed to fetch')
      }
      await tab.runnable()
      if (tab.closed) return never()
      if (issued) issued.delivered = true
      // An unusable 2xx may have spent the token, as far as the client can tell: the library
      // ends that session (it could never send the token again), so invariant 2 allows it.
      // Only when the tab still holds that pair: an answer to an attempt the session has moved
      // past is dropped.
      else if (path === '/auth/refresh' && reply.status >= 200 && reply.status < 300) {
        // In cookie mode it is the session the tab showed, whichever pair the cookie held.
        const spent = this.config.cookie ? shown : parent && this.held(tab).includes(parent) ? parent : null
        if (spent) this.killedSids.add(spent.sid)
      }
      const empty = reply.status === 204 || reply.status === 304
      return new Response(empty ? null : reply.text, {
        status: reply.status,
        headers: reply.contentType ? { 'content-type': reply.contentType } : {},
      })
    } finally {
      if (isRevoke) this.revokesInFlight--
    }
  }

  private noteRevoke(headers: Headers, body: string | undefined): void {
    const token = (JSON.parse(body ?? '{}') as { refreshToken?: string }).refreshToken
    const byToken = token ? this.byRefresh.get(token) : undefined
    const bearer = /^Bearer (.+)$/.exec(headers.get('authorization') ?? '')?.[1]
    const sid = claimsOf(bearer)?.sid ?? byToken?.sid
    // One revoke per ended session is the aim (a limit several tabs reach); more are counted.
    if (typeof sid === 'string' && this.revokedSids.has(sid)) this.count('a session revoked again')
    if (typeof sid === 'string') this.revokedSids.add(sid)
    if (byToken) this.revokedSids.add(byToken.sid)
  }

  // ---- tabs ----

  openTab(initial: Record<string, string> = {}, restoredFrom?: number): Tab {
    const base = this.harness.tab()
    const storage = createMemoryStorage(initial)
    const id = this.tabs.length
    let closeNow!: () => void
    const closedPromise = new Promise<void>((resolve) => (closeNow = resolve))
    const tab = {
      id,
      restoredFrom,
      storage,
      started: false,
      frozen: false,
      closed: false,
      frozenTotal: 0,
      frozenSince: 0,
      deferred: [],
      thawWaiters: [],
      closedPromise,
      closeNow,
      wake: () => {},
      input: () => {},
      starts: 0,
      sawSids: new Set<string>(),
      locksHeld: [],
      runnable(): Promise<void> {
        return tab.frozen && !tab.closed ? new Promise((resolve) => tab.thawWaiters.push(resolve)) : Promise.resolve()
      },
    } as unknown as Tab
    const deliver = (run: () => void) => {
      if (tab.closed) return
      if (tab.frozen) tab.deferred.push(run)
      else run()
    }
    const fetchFn = ((input: RequestInfo | URL, init?: RequestInit) => this.send(tab, input, init)) as typeof fetch
    const options: AuthClientOptions = {
      storage,
      channel: gatedChannel(base.channel, tab, deliver),
      locks: gatedLocks(base.locks, tab, deliver, () => this.delay(this.queryLatency())),
      refresh: restRefresh({ url: `${ORIGIN}/auth/refresh`, fetch: fetchFn }),
      revoke: restRevoke({ url: `${ORIGIN}/auth/logout`, fetch: fetchFn }),
      fetch: fetchFn,
      allowedOrigins: [ORIGIN],
      excludeUrls: [`${ORIGIN}/auth/refresh`, `${ORIGIN}/auth/logout`],
      now: this.clientNow,
      timers: {
        setTimeout: (callback, ms) => this.schedule(ms > MAX_TIMER_DELAY ? 1 : ms, () => deliver(callback)),
        clearTimeout: (timer) => this.cancel(timer),
      },
      random: mulberry32(this.seed + 7919 * (id + 1)),
      refreshTimeout: REFRESH_TIMEOUT,
      onEvent: (event) => {
        this.eventLog?.push(`t=${this.vt} tab ${id}: ${JSON.stringify(event)}`)
        if (event.type === 'logged_out' && !event.fromOtherTab) this.count(`session ended here: ${event.reason}`)
      },
      wakeEvents: (onWake) => {
        tab.wake = onWake
        return () => (tab.wake = () => {})
      },
      ...this.optIn(tab),
    }
    tab.client = createAuthClient(options)
    tab.client.subscribe(() => this.noticeSession(tab))
    this.tabs.push(tab)
    return tab
  }

  /** The opt-in parts the run configures, their effects injected like the client's. */
  private optIn(tab: Tab): Partial<AuthClientOptions> {
    const { timeout, role, cookie } = this.config
    const activityEvents = (onActivity: () => void) => {
      tab.input = onActivity
      return () => (tab.input = () => {})
    }
    return {
      ...(timeout && { timeout: sessionTimeout({ ...timeout, activityEvents }) }),
      ...(role && { role: hasuraRole() }),
      ...(cookie && { restore: cookieRestore }),
    }
  }

  start(tab: Tab): void {
    if (tab.started || tab.closed) return
    tab.started = true
    tab.starts++
    tab.client.start()
    this.noticeSession(tab)
  }

  /** A session a started tab shows under a new client family, or since a new start, began that tab's idle clock. */
  private noticeSession(tab: Tab): void {
    const { status, sessionId, claims } = tab.client.getSnapshot()
    if (tab.closed || !tab.started || status !== 'authenticated') return
    const seenAs = `${sessionId}/${tab.starts}`
    if (tab.seenAs !== seenAs) this.limits.appeared(String(claims?.sid))
    tab.seenAs = seenAs
  }

  stop(tab: Tab): void {
    if (!tab.started || tab.closed) return
    tab.started = false
    tab.client.stop()
  }

  freeze(tab: Tab): void {
    if (tab.frozen || tab.closed) return
    if (holdsRefreshLock(tab)) this.count('froze a tab holding the refresh lock')
    tab.frozen = true
    tab.frozenSince = this.vt
    const sid = tab.client.getSnapshot().claims?.sid
    if (typeof sid === 'string') this.limits.froze(tab.id, sid)
  }

  thaw(tab: Tab): void {
    if (!tab.frozen) return
    tab.frozen = false
    tab.frozenTotal += this.vt - tab.frozenSince
    this.limits.thawed(tab.id)
    for (const run of tab.deferred.splice(0)) if (!tab.closed) run()
    for (const resolve of tab.thawWaiters.splice(0)) resolve()
    // A page that was frozen becomes visible again: the browser fires visibilitychange.
    if (!tab.closed && tab.started) tab.wake('visible')
  }

  /** The browser closes the tab: no more code runs in it, its locks are released. */
  close(tab: Tab): void {
    if (tab.closed) return
    if (holdsRefreshLock(tab)) this.count('closed a tab holding the refresh lock')
    // A running page hears pagehide as it goes (a frozen one is discarded without a word).
    if (tab.started && !tab.frozen) tab.wake('pagehide')
    tab.closeSnapshot = snapshotOf(tab.storage)
    if (tab.frozen) this.thawTimeOnly(tab)
    tab.closed = true
    tab.closeNow()
    for (const resolve of tab.thawWaiters.splice(0)) resolve()
    tab.deferred.length = 0
  }

  private thawTimeOnly(tab: Tab): void {
    this.limits.thawed(tab.id)
    tab.frozen = false
    tab.frozenTotal += this.vt - tab.frozenSince
  }

  /** Holds the refresh lock of every session an open tab stores (every name it has had) from outside any tab, for `ms`. */
  foreignLock(ms: number): void {
    const names = new Set([LEGACY_LOCK, LOCK_PREFIX])
    for (const tab of this.tabs) {
      if (tab.closed) continue
      for (const raw of Object.values(snapshotOf(tab.storage))) {
        try {
          const { family, gen } = JSON.parse(raw) as { family?: unknown; gen?: unknown }
          if (typeof family === 'string' && typeof gen === 'number') names.add(`${LOCK_PREFIX}:${family}:${gen}`)
        } catch {
          // not a session
        }
      }
    }
    for (const name of names) {
      this.harness.locks.request(name, {}, () => new Promise<void>((resolve) => this.schedule(ms, resolve))).catch(() => {}) // stolen
    }
  }

  /** Remembers which sessions each open tab has held (for invariant 2). */
  observe(): void {
    for (const tab of this.tabs) if (!tab.closed) for (const issued of this.held(tab)) tab.sawSids.add(issued.sid)
  }
}

const holdsRefreshLock = (tab: Tab) => tab.locksHeld.some(isRefreshLock)

function never<T>(): Promise<T> {
  return new Promise<T>(() => {})
}

function snapshotOf(storage: Storage): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i)!
    out[key] = storage.getItem(key)!
  }
  return out
}
