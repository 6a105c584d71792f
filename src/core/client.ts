// The session engine, composed of parts that each own one concern:
// - store (storage.ts): this tab's copy in sessionStorage, memory when that fails;
// - tabs (tabs.ts): the channel to the other tabs: ask for, broadcast and end sessions;
// - locks (lock.ts): who may send which refresh token, and which sessions live tabs hold;
// - refresher (refresher.ts): the refresh state machine, idle → refreshing → idle | retrying |
//   rejected, and back to idle whenever the session changes from outside;
// - scheduler (scheduler.ts): the one timer, met against the wall clock;
// - requests (requestTokens.ts): which token a request gets, and whether a refused one may be
//   replayed; fetch (fetch.ts): `client.fetch` and `getAuthHeaders` on top of it;
// - tokens.ts: what a session is (its pair, claims, skew and counts), validation, the stored format.
// Opt-in parts get a small host each and are told when the session changes (`followSession`):
// `timeout` (sessionTimeout.ts), `role` (hasuraRole.ts), `dpop` (dpop.ts and dpopShare.ts: it also
// signs the login, refresh, revoke and fetch requests), and `restore` (cookieRestore.ts: the whole
// cold start), asked once when nothing is stored and no tab answers (`noSessionFound`).
// The session's own life: `initializing` (storage read, other tabs asked) → `authenticated`
// (login, restore, adoption from another tab) → `unauthenticated` (logout here or elsewhere, a
// refused refresh, expiry after one). Which session may replace which is the ledger's rule
// (ledger.ts): sessions are ordered by login and rotation counts, and an ended login never returns.
import type { DpopSigner } from './dpop'
import { AuthError } from './errors'
import { createAuthFetch } from './fetch'
import { createTabLocks, defaultLocks } from './lock'
import type { SessionTimeout, SessionTimeoutControl } from './sessionTimeout'
import { createRefresher, type Refresher } from './refresher'
import { createRequestTokens } from './requestTokens'
import { checkOrigins } from './origins'
import { createScheduler, defaultTimers, refreshTime } from './scheduler'
import { createSessionStore, defaultStorage } from './storage'
import { createTabSync, defaultChannel } from './tabs'
import { createSession, DEFAULT_STORAGE_KEY, isNewer, type JwtClaims, type Session, type TokenPair } from './tokens'
import { createLedger } from './ledger'
import type { AuthClient, AuthClientOptions, AuthEvent, AuthState, LogoutReason } from './types'
import { defaultWakeEvents, type WakeKind } from './wakeEvents'

export type { AuthClient } from './types'

/** The state before the session is known; also what React renders on the server. */
export const UNKNOWN_STATE: AuthState<never> = Object.freeze({
  status: 'initializing',
  accessToken: null,
  claims: null,
  expiresAt: null,
  tokenExpired: false,
  sessionId: null,
  ended: null,
  expiring: null,
  role: null,
  error: null,
})

/** The session engine: one per app, shared by React, the fetcher and whatever else needs a token. */
export function createAuthClient<TClaims extends JwtClaims = JwtClaims>(options: AuthClientOptions<TClaims>): AuthClient<TClaims> {
  const key = options.storageKey ?? DEFAULT_STORAGE_KEY
  const leadTime = options.refreshLeadTime ?? 60_000
  const handoffTimeout = options.handoffTimeout ?? 300
  const now = options.now ?? Date.now
  const timers = options.timers ?? defaultTimers
  const random = options.random ?? Math.random
  const channelFactory = options.channel === undefined ? defaultChannel : options.channel
  const channelName = `jwt-session:${key}`
  if (options.allowedOrigins) checkOrigins(options.allowedOrigins, options.allowInsecureHttp)
  if (options.dpop && options.restore)
    throw new TypeError('createAuthClient: dpop and restore do not combine (a cold start has no DPoP key).')

  // Events raised while restoring inside getSnapshot (a React render) wait for start(): an
  // onEvent that sets React state must not run during another component's render.
  let deferring = false
  const deferred: AuthEvent[] = []
  const emit = (event: AuthEvent) => (deferring ? deferred.push(event) : options.onEvent?.(event))
  // Looked up on use, never at construction: there may be no sessionStorage yet (server render).
  const storage = () => (options.storage === undefined ? defaultStorage() : options.storage)
  const store = createSessionStore<TClaims>(key, storage, () =>
    emit({ type: 'storage_unavailable', error: new AuthError('storage_unavailable', 'Storage unavailable; session kept in memory.') }),
  )
  const scheduler = createScheduler(timers, now)
  const lockManager = options.locks === undefined ? defaultLocks() : options.locks
  const locks = createTabLocks(lockManager, key, timers)
  const listeners = new Set<() => void>()
  const role = options.role?.({
    storageKey: key,
    storage,
    current: () => session && { sessionId: session.family, claims: session.claims },
    show: (next) => setState({ role: next }),
    now,
  })
  const keys = options.dpop?.({
    storageKey: key,
    storage,
    current: () => session && { sessionId: session.family, claims: session.claims, skew: session.skew },
    now,
    timers,
    handoffTimeout,
    channel: channelFactory,
  })
  const base: typeof fetch = (input, init) => (options.fetch ?? fetch)(input, init)

  let state: AuthState<TClaims> = UNKNOWN_STATE
  let session: Session<TClaims> | null = null
  const ledger = createLedger()
  let restored = false
  let starts = 0
  let stopWake: (() => void) | null = null
  let timeout: SessionTimeoutControl | null = null
  let restoring: Promise<void> | null = null
  // A valid session read from storage, until it is known that no other tab holds a newer pair (a
  // restored or seeded tab after a rotation): no request gets its token before then. `newer` is
  // asked of the tabs' markers as soon as it is read, so a tab alone finds out before it is asked.
  let unconfirmed: { session: Session<TClaims>; newer: Promise<boolean> } | null = null

  const tabs = createTabSync<TClaims>(
    {
      async shareable(): Promise<Session<TClaims> | null> {
        // Mid-refresh, prefer the rotated pair, but answer before the asking tab gives up.
        const pending = refresher.pending
        if (pending)
          await new Promise<void>((resolve) => {
            const timer = timers.setTimeout(resolve, handoffTimeout / 2)
            void pending.then(noop, noop).then(() => (timers.clearTimeout(timer), resolve()))
          })
        // (A tab still waiting for its own answer is not asked: tabs.ts answers for it once it knows.)
        return state.status === 'authenticated' && refresher.state.status !== 'rejected' ? session : null
      },
      ended: () => ledger.lastEnded,
      offered(next, source, waited) {
        if (!ledger.accepts(next, session)) {
          // A login this tab saw end, offered by a tab that missed its end (stopped then, or its
          // question crossed ours): tell that tab, so the tabs agree again.
          const ended = ledger.endOf(next)
          if (ended) tabs.loggedOut('user', ended)
          // Not taken: still an answer if what this tab holds is as new (a restored tab up to date).
          const answered = session !== null && !isNewer(next, session)
          if (answered) unconfirmed = null
          return answered
        }
        store.write(next)
        show(next, { type: 'session_adopted', from: source === 'handoff' ? 'handoff' : 'broadcast', waited })
        return true
      },
      endedElsewhere(reason, ended, answered) {
        if (ended) ledger.ended(ended)
        if ((session && ledger.endsCurrent(ended, session)) || (!session && !answered && state.status !== 'unauthenticated')) {
          endSession(reason, { fromOtherTab: true, keepAsking: answered })
        }
      },
      handoffTimedOut(waited) {
        unconfirmed = null // no tab answered in time: a stored copy is this tab's to use
        if (session) return
        noSessionFound()
        emit({ type: 'handoff_timeout', waited })
      },
    },
    timers,
    now,
    handoffTimeout,
  )

  const refresher: Refresher<TClaims> = createRefresher<TClaims>(
    {
      session: () => session,
      emit,
      async commit(next) {
        store.write(next)
        tabs.updated(next, 'refresh')
        display(next, { type: 'refresh_succeeded', expiresAt: next.expiresAt })
        await locks.holdSession(next)
      },
      end: (reason, error) => endSession(reason, { error, broadcast: true }),
      failed(error) {
        // A stored session whose refresh fails for now is still a session: kept, its token marked.
        const kept = session && state.status === 'initializing' ? sessionFields(session) : {}
        setState({ ...kept, error, tokenExpired: session !== null && session.expiresAt <= now() })
        schedule()
      },
      handoffSettled: (): Promise<void> => tabs.settled(),
      askOtherTabs: (): Promise<void> => (tabs.requestSession(), tabs.settled()),
    },
    {
      refresh: keys ? keys.refresh(options.refresh) : options.refresh,
      refreshTimeout: options.refreshTimeout ?? 15_000,
      locks,
      timers,
      now,
      random,
    },
  )

  const requests = createRequestTokens<TClaims>(
    {
      session: () => session,
      refreshState: () => refresher.state,
      settle,
      unconfirmed: () => unconfirmed?.session ?? null,
      confirm: confirmStored,
      refresh: requestRefresh,
      rejected: (error) => endSession('refresh_rejected', { error, broadcast: true }),
    },
    leadTime,
    now,
  )

  function setState(patch: Partial<AuthState<TClaims>>): void {
    const next = { ...state, ...patch }
    if ((Object.keys(next) as (keyof AuthState)[]).every((k) => next[k] === state[k])) return
    state = next
    listeners.forEach((listener) => listener())
  }

  /** Makes `next` the session of this tab and plans its refresh. */
  function display(next: Session<TClaims>, event?: AuthEvent): void {
    session = next
    ledger.saw(next)
    requests.saw(next)
    setState({ ...sessionFields(next), tokenExpired: false, ended: null, error: null })
    if (event) emit(event)
    schedule()
    followSession()
  }

  /** A session that came from outside the refresher (login, storage, another tab): start its refresh state afresh. */
  function show(next: Session<TClaims>, event?: AuthEvent): void {
    refresher.reset()
    if (starts > 0) void locks.holdSession(next)
    display(next, event)
  }

  /** First read of storage, on the first getSnapshot or start: a plain read, safe during render. */
  function restore(): void {
    if (restored) return
    restored = true
    deferring = true
    const stored = store.read()
    if (stored && stored.expiresAt > now()) {
      show(stored, { type: 'session_restored', from: 'storage' })
      if (channelFactory) unconfirmed = { session: stored, newer: locks.newerThan(stored) }
    } else if (stored) {
      session = stored // expired: start() refreshes it, once the other tabs had their say
      ledger.saw(stored)
      requests.saw(stored)
    } else if (!channelFactory) {
      setState({ status: 'unauthenticated' })
    }
    deferring = false
  }

  function schedule(): void {
    if (starts === 0 || !session) return
    const refreshState = refresher.state
    if (refreshState.status === 'rejected') {
      return scheduler.at(session.expiresAt, () => endSession('refresh_rejected', { error: refreshState.error, broadcast: true }))
    }
    const retrying = refreshState.status === 'retrying'
    const at = retrying ? refreshState.at : refreshTime(session, leadTime, random)
    // While retrying, the token may run out before the next try: say so when it does.
    if (retrying && !state.tokenExpired && session.expiresAt < at) {
      return scheduler.at(session.expiresAt, () => (setState({ tokenExpired: true }), schedule()))
    }
    scheduler.at(at, refreshQuietly)
    if (!retrying) emit({ type: 'refresh_scheduled', at, in: Math.max(0, at - now()) })
  }

  function endSession(
    reason: LogoutReason,
    { error = null, broadcast = false, fromOtherTab = false, keepAsking = false }: EndOptions = {},
  ): void {
    const last = session
    if (last) ledger.ended(last)
    refresher.reset()
    scheduler.cancel()
    if (!keepAsking) tabs.endHandoff()
    const had = last !== null || state.status !== 'unauthenticated'
    session = null
    requests.forget()
    store.clear()
    void locks.holdSession(null)
    const ended = had ? { reason, fromOtherTab } : state.ended
    setState({
      status: 'unauthenticated',
      accessToken: null,
      claims: null,
      expiresAt: null,
      tokenExpired: false,
      sessionId: null,
      ended,
      expiring: null,
      error,
    })
    if (broadcast) tabs.loggedOut(reason, last && { family: last.family, login: last.login, since: last.since, gen: last.gen })
    if (had) emit({ type: 'logged_out', reason, fromOtherTab })
    followSession()
  }

  /** The opt-in parts that follow the session (limits, the active role) re-check it. */
  function followSession(): void {
    timeout?.check()
    role?.check()
    keys?.check()
  }

  /**
   * Revokes an ended session on the server: best effort, reported, never thrown. `dpop` signs with
   * the ended session's key, taken before the session (and with it the key) was let go.
   */
  async function revokeSession(ended: Session<TClaims>, everywhere: boolean, dpop: DpopSigner | undefined): Promise<void> {
    if (!options.revoke) return
    try {
      await options.revoke({ refreshToken: ended.refreshToken, accessToken: ended.accessToken, everywhere, dpop })
    } catch (cause) {
      emit({ type: 'revoke_failed', error: new AuthError('revoke_failed', 'Server-side logout failed.', { cause }) })
    }
  }

  function startTimeout(make: SessionTimeout): SessionTimeoutControl {
    return make({
      storageKey: key,
      now,
      timers,
      channel: channelFactory,
      locks: lockManager,
      // Dated by the sign-in: the token's `auth_time` (server clock, seconds), which the server
      // carries through refreshes and cookie restores; without it, `since`, the login's iat, carried
      // through refreshes and handoffs (a cookie restore then counts from the restore). Never later than `since`.
      current() {
        if (!session) return null
        const authTime = session.claims.auth_time
        const signedIn = typeof authTime === 'number' && authTime < session.since ? authTime : session.since
        return { sessionId: session.family, startedAt: signedIn * 1000 - session.skew }
      },
      warn(expiring) {
        setState({ expiring })
        if (expiring) emit({ type: 'session_expiring', ...expiring })
      },
      end(reason) {
        const ended = session
        if (!ended) return null
        const dpop = keys?.signer()
        endSession(reason, { broadcast: true })
        return () => revokeSession(ended, false, dpop)
      },
    })
  }

  function sessionFields({ accessToken, claims, expiresAt, family }: Session<TClaims>) {
    return { status: 'authenticated', accessToken, claims, expiresAt, sessionId: family } as const
  }

  /**
   * Learns the session as `start()` would — restore, ask the other tabs, refresh an expired copy —
   * for a caller that comes first (a route loader); resolves once the status is known (or the
   * client was stopped meanwhile). Without a `start()`, nothing is left running afterwards.
   */
  function settle(): Promise<void> {
    restore()
    if (state.status !== 'initializing') return Promise.resolve()
    if (starts === 0 && !tabs.waiting) learnSession()
    // Over when the other tabs answered (or not) and a refresh of an expired copy is done; a
    // stop() meanwhile ends both.
    return tabs
      .settled()
      .then(() => restoring)
      .then(() => refresher.pending?.then(noop, noop))
      .finally(closeIfStopped)
  }

  /**
   * Opens the channel and asks the other tabs, even with a stored session: a tab reopened or
   * restored with its own old copy must learn of a newer one before it ever sends its refresh
   * token. An expired copy is refreshed (once they had their say); true when that refresh began.
   */
  function learnSession(): boolean {
    tabs.open(channelFactory, channelName)
    const asked = tabs.requestSession()
    if (!session && !asked) noSessionFound()
    else if (!session) void settleIfNoTabHolds()
    if (!session || session.expiresAt > now()) return false
    refreshQuietly()
    return true
  }

  /**
   * Resolves once a session read from storage may be used: at once when no tab holds a newer one
   * (their markers say so), else when the other tabs answered or `handoffTimeout` passed. A
   * request before start() (a route loader) asks them itself.
   */
  async function confirmStored(): Promise<void> {
    const pending = unconfirmed
    if (!pending || pending.session !== session) return
    if (await pending.newer) {
      if (!tabs.waiting) {
        tabs.open(channelFactory, channelName)
        if (tabs.requestSession() && starts === 0) void tabs.settled().then(closeIfStopped)
      }
      await tabs.settled()
    }
    if (unconfirmed === pending) unconfirmed = null
  }

  /**
   * A tab with nothing stored need not wait out `handoffTimeout` when no tab holds a session (their
   * marker locks say so within a few ms): a first visit shows its login page at once. An answer
   * or a login that comes later is still taken (tabs.ts keeps the question open for it).
   */
  async function settleIfNoTabHolds(): Promise<void> {
    if ((await locks.mayBeHeld()) || session || !tabs.waiting) return
    tabs.endHandoff()
    noSessionFound()
  }

  /** Nothing stored and no tab holds a session: signed out, unless `restore` finds one (once per tab). */
  function noSessionFound(): void {
    if (!options.restore || restoring) return setState({ status: 'unauthenticated' })
    restoring = options.restore({
      storageKey: key,
      locks: lockManager,
      timers,
      now,
      maxWait: refresher.maxWait,
      wanted: () => !session && state.status === 'initializing',
      refresh: () => refresher.cold(),
      signIn: (tokens) => signIn(tokens, { type: 'session_restored', from: 'cookie' }),
      askOtherTabs: () => tabs.requestSession(),
      otherTabsSettled: () => tabs.settled(),
      signedOut(error) {
        if (!error) return setState({ status: 'unauthenticated' })
        setState({ status: 'unauthenticated', error })
        emit({ type: 'refresh_failed', error, retryIn: null })
      },
    })
  }

  function signIn(tokens: TokenPair, event: AuthEvent): void {
    const next = createSession<TClaims>(tokens, now(), ledger.nextLogin(newFamilyId()))
    keys?.bind(next.family, next.claims)
    restored = true
    tabs.endHandoff()
    store.write(next)
    tabs.updated(next, 'login')
    show(next, event)
  }

  /** A stopped client keeps nothing open, except the channel a refresh in flight must still broadcast on. */
  function closeIfStopped(): void {
    if (starts > 0) return
    const pending = refresher.pending
    if (pending) return void pending.then(noop, noop).then(closeIfStopped)
    tabs.close()
    void locks.holdSession(null)
  }

  function refreshQuietly(): void {
    // Failures already live in state and events; a background refresh has no caller to tell.
    requestRefresh().catch(noop)
  }

  /**
   * Every refresh goes through here. A stopped client may still be asked (a request of an
   * unmounted app got its 401): the channel opens for that refresh, so the other tabs hear the
   * rotated pair or the end of the session, and closes once it settles.
   */
  function requestRefresh(): Promise<Session<TClaims>> {
    if (starts === 0) tabs.open(channelFactory, channelName)
    const pending = refresher.request()
    if (starts === 0) void pending.then(noop, noop).then(closeIfStopped)
    return pending
  }

  /** The page came back from the back/forward cache: another page of this tab may have ended or replaced the session. */
  function revalidate(): void {
    const stored = store.read()
    if (!stored) {
      if (session) endSession('user', { fromOtherTab: true })
    } else if (!session || isNewer(stored, session)) {
      show(stored, { type: 'session_restored', from: 'storage' })
    }
    void locks.holdSession(session)
    tabs.requestSession()
  }

  function onWake(kind?: WakeKind): void {
    // A cached page holding a Web Lock is evicted as soon as another tab queries or wants locks.
    if (kind === 'pagehide') return void locks.holdSession(null)
    if (kind === 'restored') revalidate()
    // Limits first: a session that ran out while the laptop slept ends before the first input
    // could count as activity, and before its expired token is refreshed.
    timeout?.check()
    scheduler.check()
  }

  const client: AuthClient<TClaims> = {
    getSnapshot() {
      restore()
      return state
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    start() {
      if (starts++ > 0) return
      restore()
      deferred.splice(0).forEach(emit)
      void locks.holdSession(session)
      stopWake = (options.wakeEvents ?? defaultWakeEvents)(onWake)
      if (!learnSession()) schedule()
      if (options.timeout) timeout = startTimeout(options.timeout)
      role?.start(channelFactory)
      keys?.start()
    },
    stop() {
      if (starts === 0 || --starts > 0) return
      scheduler.cancel()
      stopWake?.()
      stopWake = null
      timeout?.stop()
      timeout = null
      role?.stop()
      keys?.stop()
      // A rotation that completes after a stop (a remount, a hot reload) must still reach the other tabs.
      closeIfStopped()
    },
    login: (tokens) => signIn(tokens, { type: 'logged_in' }),
    async logout({ everywhere = false } = {}) {
      const ended = session
      const dpop = ended ? keys?.signer() : undefined
      endSession(everywhere ? 'everywhere' : 'user', { broadcast: true })
      if (ended) await revokeSession(ended, everywhere, dpop)
    },
    refresh({ staleToken } = {}) {
      restore()
      return requests.refresh(staleToken)
    },
    getAccessToken() {
      restore()
      return requests.get()
    },
    async ready() {
      await settle()
      return state
    },
    fetch: (input, init) => authFetch.fetch(input, init),
    loginFetch: (input, init) => (keys ? keys.loginFetch(base) : base)(input, init),
    getAuthHeaders: (request) => authFetch.getAuthHeaders(request),
    extend: () => timeout?.extend(),
    setRole(next) {
      if (!role) throw new TypeError('auth.setRole() needs createAuthClient({ role: hasuraRole() }).')
      role.set(next)
    },
  }
  // Options: allowedOrigins, fetch, credentials, excludeUrls, graphqlErrors. The peek spares each
  // request with a fresh token the wait on getAccessToken (the per-request hot path).
  const { getAccessToken, refresh } = client
  const authFetch = createAuthFetch(
    {
      getAccessToken,
      refresh,
      peekAccessToken: requests.fresh,
      sessionId: () => session?.family ?? null,
      challenged: (challenge) => emit({ type: 'step_up_required', ...challenge }),
      headers: () => role?.headers() ?? null,
      signer: keys?.signer,
      proofHeaders: keys?.headers,
    },
    options,
  )
  return client
}

interface EndOptions {
  error?: AuthError | null
  /** Tell the other tabs (a logout here), or not (a logout heard from them). */
  broadcast?: boolean
  fromOtherTab?: boolean
  /** Keep waiting for another tab's session (the answer that ended ours may not be the only one). */
  keepAsking?: boolean
}

const noop = () => {}

/** Names one login; not a secret, only unique enough to tell logins apart. */
const newFamilyId = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`
