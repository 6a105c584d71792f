import { AuthError, classifyRefreshError } from './errors'
import { createAuthFetch } from './fetch'
import { defaultLocks, withLock } from './lock'
import { backoffDelay, createScheduler, defaultTimers, refreshLead, refreshTime } from './scheduler'
import { createSessionStore, defaultStorage } from './storage'
import { createNonce, defaultChannel, openTabBus, type SessionUpdateReason, type TabBus, type TabMessage } from './tabs'
import { createSession, isNewer, parseStoredSession, toStored, type JwtClaims, type Session, type TokenPair } from './tokens'
import type { AuthClientOptions, AuthEvent, AuthState, LogoutReason } from './types'
import { defaultWakeEvents } from './wakeEvents'

export interface AuthClient<TClaims extends JwtClaims = JwtClaims> {
  getSnapshot(): AuthState<TClaims>
  subscribe(listener: () => void): () => void
  /** Starts timers, listeners and the cross-tab channel. Ref-counted: pair every call with `stop()`. */
  start(): void
  stop(): void
  /** Validates and stores a pair; throws `AuthError('invalid_token')` and changes nothing on bad input. */
  login(tokens: TokenPair): void
  /** Ends the session in every tab at once, then revokes it on the server (best effort). */
  logout(options?: { everywhere?: boolean }): Promise<void>
  /**
   * Refreshes now; concurrent callers share one request. With `staleToken`, resolves at once when
   * the session already moved past that token (another request refreshed it first).
   */
  refresh(options?: { staleToken?: string }): Promise<string>
  /** A token valid now (refreshed first when expired or about to), or null without a session. */
  getAccessToken(): Promise<string | null>
  /** `fetch` with the Bearer token for allowed origins, and one refresh-and-replay on 401. */
  fetch: typeof fetch
  /** `{ Authorization: 'Bearer …' }` with a valid token, for transports other than fetch (WebSocket). */
  getAuthHeaders(): Promise<Record<string, string>>
}

const SETTLE_AFTER_CONTENTION = 25

export function createAuthClient<TClaims extends JwtClaims = JwtClaims>(
  options: AuthClientOptions<TClaims>,
): AuthClient<TClaims> {
  const key = options.storageKey ?? 'jwt-session'
  const leadTime = options.refreshLeadTime ?? 60_000
  const refreshTimeout = options.refreshTimeout ?? 15_000
  const handoffTimeout = options.handoffTimeout ?? 300
  const now = options.now ?? Date.now
  const timers = options.timers ?? defaultTimers
  const random = options.random ?? Math.random
  const channelFactory = options.channel === undefined ? defaultChannel : options.channel
  const locks = options.locks === undefined ? defaultLocks() : options.locks
  const wakeEvents = options.wakeEvents ?? defaultWakeEvents

  // Events raised while restoring inside getSnapshot (a React render) wait for start(): an
  // onEvent that sets React state must not run during another component's render.
  let deferring = false
  const deferred: AuthEvent[] = []
  const emit = (event: AuthEvent) => (deferring ? deferred.push(event) : options.onEvent?.(event))
  const store = createSessionStore<TClaims>({
    key,
    storage: options.storage === undefined ? defaultStorage : options.storage,
    onUnavailable: () =>
      emit({
        type: 'storage_unavailable',
        error: new AuthError('storage_unavailable', 'sessionStorage is unavailable; the session is kept in memory for this tab.'),
      }),
  })
  const scheduler = createScheduler(timers, now)
  const listeners = new Set<() => void>()

  let state: AuthState<TClaims> = { status: 'initializing', accessToken: null, claims: null, expiresAt: null, error: null }
  let session: Session<TClaims> | null = null
  let restored = false
  let starts = 0
  let bus: TabBus | null = null
  let stopWake: (() => void) | null = null
  // Bumped by every logout: a refresh that started before it must not store its result.
  let logouts = 0
  // The session most recently logged out (here or in another tab): nothing older may come back.
  let loggedOut: Session<TClaims> | null = null
  // Highest sequence number seen; every new pair this tab creates goes one past it.
  let seq = 0
  let inFlight: Promise<Session<TClaims>> | null = null
  let inFlightAbort: AbortController | null = null
  let failedAttempts = 0
  let retryAt: number | null = null
  // The server refused the refresh token while the access token was still valid: use it until it expires.
  let rejected: AuthError | null = null
  let handoff: { nonce: string; startedAt: number; timer: unknown } | null = null
  let settleWaiter: (() => void) | null = null

  function setState(patch: Partial<AuthState<TClaims>>): void {
    const next = { ...state, ...patch }
    const keys = Object.keys(next) as (keyof AuthState<TClaims>)[]
    if (keys.every((k) => next[k] === state[k])) return
    state = next
    listeners.forEach((listener) => listener())
  }

  function showSession(next: Session<TClaims>, error: AuthError | null = null): void {
    session = next
    seq = Math.max(seq, next.seq)
    setState({ status: 'authenticated', accessToken: next.accessToken, claims: next.claims, expiresAt: next.expiresAt, error })
  }

  /** First read of storage, on the first getSnapshot or start: a plain read, safe during render. */
  function restore(): void {
    if (restored) return
    restored = true
    deferring = true
    const stored = store.read()
    if (stored && stored.expiresAt > now()) {
      showSession(stored)
      emit({ type: 'session_restored' })
    } else if (stored) {
      session = stored // expired: start() refreshes it at once; until then still initializing
      seq = stored.seq
    } else if (!channelFactory) {
      setState({ status: 'unauthenticated' })
    }
    deferring = false
  }

  function commit(next: Session<TClaims>, reason: SessionUpdateReason): void {
    failedAttempts = 0
    retryAt = null
    rejected = null
    store.write(next)
    showSession(next)
    bus?.post({ v: 1, type: 'session-updated', reason, session: toStored(next) })
    settleWaiter?.()
    schedule()
  }

  function schedule(): void {
    if (starts === 0 || !session) return
    if (rejected) {
      scheduler.at(session.expiresAt, () => endSession('refresh_rejected', true, rejected))
      return
    }
    const at = failedAttempts > 0 && retryAt !== null ? retryAt : refreshTime(session, leadTime, random)
    scheduler.at(at, () => void refreshQuietly())
    if (failedAttempts === 0) emit({ type: 'refresh_scheduled', at, in: Math.max(0, at - now()) })
  }

  function endSession(reason: LogoutReason, broadcast: boolean, error: AuthError | null = null, fromOtherTab = false): void {
    logouts++
    if (session && (!loggedOut || isNewer(session, loggedOut))) loggedOut = session
    inFlightAbort?.abort()
    scheduler.cancel()
    finishHandoff()
    const had = session !== null || state.status !== 'unauthenticated'
    session = null
    failedAttempts = 0
    retryAt = null
    rejected = null
    store.clear()
    setState({ status: 'unauthenticated', accessToken: null, claims: null, expiresAt: null, error })
    if (broadcast) bus?.post({ v: 1, type: 'logout', reason })
    if (had) emit({ type: 'logged_out', reason, fromOtherTab })
  }

  async function runRefresh(): Promise<Session<TClaims>> {
    const started = session
    if (!started) throw new AuthError('unauthenticated', 'There is no session to refresh.')
    const logoutMark = logouts
    const abort = new AbortController()
    inFlightAbort = abort
    emit({ type: 'refresh_started' })
    try {
      return await withLock(locks, `jwt-session:refresh:${key}`, refreshTimeout + 5_000, timers, async (contended) => {
        // Another tab may have rotated the token while we waited; its broadcast can trail the lock.
        if (contended && session === started) await settle()
        if (logouts !== logoutMark || !session) throw dropped()
        if (session !== started && now() < session.expiresAt - refreshLead(session, leadTime)) {
          emit({ type: 'refresh_skipped', reason: 'rotated_by_other_tab' })
          return session
        }
        const current = session
        const pair = await withTimeout(
          options.refresh({
            refreshToken: current.refreshToken,
            accessToken: current.accessToken,
            claims: current.claims,
            signal: abort.signal,
          }),
          abort,
        )
        if (logouts !== logoutMark) throw dropped()
        const next = createSession<TClaims>(pair, now(), seq + 1)
        commit(next, 'refresh') // inside the lock, so the broadcast leaves before the next tab may enter
        emit({ type: 'refresh_succeeded', expiresAt: next.expiresAt })
        return next
      })
    } catch (caught) {
      if (logouts !== logoutMark) throw dropped()
      throw failRefresh(classifyRefreshError(caught))
    } finally {
      if (inFlightAbort === abort) inFlightAbort = null
    }
  }

  function withTimeout<T>(work: Promise<T>, abort: AbortController): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = timers.setTimeout(() => {
        abort.abort()
        reject(new AuthError('refresh_failed', `The refresh did not answer within ${refreshTimeout} ms.`))
      }, refreshTimeout)
      work.then(resolve, reject).finally(() => timers.clearTimeout(timer))
    })
  }

  function settle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = timers.setTimeout(done, SETTLE_AFTER_CONTENTION)
      function done() {
        timers.clearTimeout(timer)
        settleWaiter = null
        resolve()
      }
      settleWaiter = done
    })
  }

  function dropped(): AuthError {
    return new AuthError('unauthenticated', 'The session ended while the refresh was running; its result was dropped.')
  }

  function failRefresh(error: AuthError): AuthError {
    if (!session) return error
    if (error.code === 'refresh_rejected') {
      if (session.expiresAt > now()) {
        rejected = error
        setState({ error })
        schedule()
      } else {
        endSession('refresh_rejected', true, error)
      }
      emit({ type: 'refresh_failed', error, retryIn: null })
      return error
    }
    failedAttempts++
    const delay = backoffDelay(failedAttempts, random)
    retryAt = now() + delay
    // An expired token that cannot be refreshed yet still belongs to a session worth keeping.
    showSession(session, error)
    schedule()
    emit({ type: 'refresh_failed', error, retryIn: delay })
    return error
  }

  function refreshShared(): Promise<Session<TClaims>> {
    if (!inFlight) inFlight = runRefresh().finally(() => (inFlight = null))
    return inFlight
  }

  function refreshQuietly(): void {
    // Failures already live in state and events; a background refresh has no caller to tell.
    refreshShared().catch(() => {})
  }

  function onWake(): void {
    if (failedAttempts > 0 && !inFlight && session) refreshQuietly()
    else scheduler.check()
  }

  // ---- cross-tab ----

  function startHandoff(): void {
    if (!bus?.connected) return setState({ status: 'unauthenticated' })
    const nonce = createNonce()
    const startedAt = now()
    const timer = timers.setTimeout(() => {
      finishHandoff()
      setState({ status: 'unauthenticated' })
      emit({ type: 'handoff_timeout', waited: now() - startedAt })
    }, handoffTimeout)
    handoff = { nonce, startedAt, timer }
    bus.post({ v: 1, type: 'session-request', nonce })
  }

  function finishHandoff(): void {
    if (handoff) timers.clearTimeout(handoff.timer)
    handoff = null
  }

  function adopt(next: Session<TClaims>, from: 'handoff' | 'broadcast'): void {
    const waited = handoff ? now() - handoff.startedAt : 0
    finishHandoff()
    failedAttempts = 0
    retryAt = null
    rejected = null
    store.write(next)
    showSession(next)
    settleWaiter?.()
    schedule()
    emit({ type: 'session_adopted', from, waited })
  }

  async function answerSessionRequest(nonce: string): Promise<void> {
    // Mid-refresh, hand over the rotated pair rather than the one about to be used up.
    if (inFlight) await inFlight.catch(() => {})
    if (session && state.status === 'authenticated' && !rejected) {
      bus?.post({ v: 1, type: 'session-response', nonce, session: toStored(session) })
    }
  }

  function onTabMessage(message: TabMessage): void {
    switch (message.type) {
      case 'session-request':
        void answerSessionRequest(message.nonce)
        return
      case 'session-response': {
        const next = handoff?.nonce === message.nonce ? parseStoredSession<TClaims>(message.session) : null
        if (next && !session) adopt(next, 'handoff')
        return
      }
      case 'session-updated': {
        const next = parseStoredSession<TClaims>(message.session)
        if (!next || (loggedOut && !isNewer(next, loggedOut))) return
        if (session && !isNewer(next, session)) return // never step back to an older pair
        // A refresh from a tab that had not yet heard of our logout must not log us back in.
        if (!session && !handoff && message.reason !== 'login') return
        adopt(next, handoff ? 'handoff' : 'broadcast')
        return
      }
      case 'logout':
        if (session || handoff || state.status !== 'unauthenticated') {
          const reason = (['user', 'everywhere', 'refresh_rejected', 'expired'] as const).find((r) => r === message.reason)
          endSession(reason ?? 'user', false, null, true)
        }
    }
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
      bus = openTabBus(channelFactory, `jwt-session:${key}`, onTabMessage)
      stopWake = wakeEvents(onWake)
      if (session && session.expiresAt <= now()) refreshQuietly()
      else if (session) schedule()
      else if (state.status === 'initializing') startHandoff()
    },
    stop() {
      if (starts === 0 || --starts > 0) return
      scheduler.cancel()
      finishHandoff()
      settleWaiter?.()
      stopWake?.()
      stopWake = null
      bus?.close()
      bus = null
    },
    login(tokens) {
      const next = createSession<TClaims>(tokens, now(), seq + 1)
      restored = true
      finishHandoff()
      commit(next, 'login')
      emit({ type: 'logged_in' })
    },
    async logout({ everywhere = false } = {}) {
      const ended = session
      endSession(everywhere ? 'everywhere' : 'user', true)
      if (!ended || !options.revoke) return
      try {
        await options.revoke({ refreshToken: ended.refreshToken, accessToken: ended.accessToken, everywhere })
      } catch (cause) {
        emit({ type: 'revoke_failed', error: new AuthError('revoke_failed', 'The server-side logout failed.', { cause }) })
      }
    },
    async refresh({ staleToken } = {}) {
      restore()
      if (staleToken !== undefined && session && session.accessToken !== staleToken) return session.accessToken
      return (await refreshShared()).accessToken
    },
    async getAccessToken() {
      restore()
      if (handoff) await handoffSettled()
      if (!session) return null
      if (rejected) return session.expiresAt > now() ? session.accessToken : null
      if (now() < session.expiresAt - refreshLead(session, leadTime)) return session.accessToken
      const backingOff = retryAt !== null && now() < retryAt && !inFlight
      if (backingOff) {
        if (session.expiresAt > now()) return session.accessToken
        throw state.error ?? new AuthError('refresh_failed', 'The session could not be refreshed yet.')
      }
      try {
        return (await refreshShared()).accessToken
      } catch (error) {
        // A token inside the lead window is still good while a transient failure is retried.
        if (session && session.expiresAt > now()) return session.accessToken
        throw error
      }
    },
    fetch: (input, init) => authFetch.fetch(input, init),
    getAuthHeaders: () => authFetch.getAuthHeaders(),
  }
  const authFetch = createAuthFetch(client, options) // reads allowedOrigins, fetch, credentials, excludeUrls, graphqlErrors
  return client

  /** Resolves when a new tab's wait for another tab's session is over, either way. */
  function handoffSettled(): Promise<void> {
    return new Promise((resolve) => {
      const unsubscribe = () => void listeners.delete(check)
      const check = () => {
        if (state.status !== 'initializing') {
          unsubscribe()
          resolve()
        }
      }
      listeners.add(check)
      check()
    })
  }
}
