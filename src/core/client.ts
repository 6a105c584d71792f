import { AuthError, classifyRefreshError } from './errors'
import { createAuthFetch } from './fetch'
import { defaultLocks, withLock } from './lock'
import { backoffDelay, createScheduler, defaultTimers, refreshLead, refreshTime, withTimeout } from './scheduler'
import { createSessionStore, defaultStorage } from './storage'
import { createTabSync, defaultChannel, type SessionUpdateReason } from './tabs'
import { createSession, isNewer, type JwtClaims, type Session } from './tokens'
import type { AuthClient, AuthClientOptions, AuthEvent, AuthState, LogoutReason } from './types'
import { defaultWakeEvents } from './wakeEvents'

export type { AuthClient } from './types'

// After waiting for the refresh lock, how long to wait for the previous holder's broadcast.
const SETTLE_AFTER_CONTENTION = 25

/** The session engine: one per app, shared by React, the fetcher and whatever else needs a token. */
export function createAuthClient<TClaims extends JwtClaims = JwtClaims>(
  options: AuthClientOptions<TClaims>,
): AuthClient<TClaims> {
  const key = options.storageKey ?? 'jwt-session'
  const leadTime = options.refreshLeadTime ?? 60_000
  const refreshTimeout = options.refreshTimeout ?? 15_000
  const now = options.now ?? Date.now
  const timers = options.timers ?? defaultTimers
  const random = options.random ?? Math.random
  const channelFactory = options.channel === undefined ? defaultChannel : options.channel
  const locks = options.locks === undefined ? defaultLocks() : options.locks

  // Events raised while restoring inside getSnapshot (a React render) wait for start(): an
  // onEvent that sets React state must not run during another component's render.
  let deferring = false
  const deferred: AuthEvent[] = []
  const emit = (event: AuthEvent) => (deferring ? deferred.push(event) : options.onEvent?.(event))
  const store = createSessionStore<TClaims>(
    key,
    () => (options.storage === undefined ? defaultStorage() : options.storage),
    () => emit({ type: 'storage_unavailable', error: new AuthError('storage_unavailable', 'Storage unavailable; session kept in memory.') }),
  )
  const scheduler = createScheduler(timers, now)
  const listeners = new Set<() => void>()

  let state: AuthState<TClaims> = { status: 'initializing', accessToken: null, claims: null, expiresAt: null, error: null }
  let session: Session<TClaims> | null = null
  let restored = false
  let starts = 0
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
  let settleWaiter: (() => void) | null = null

  const handoffTimeout = options.handoffTimeout ?? 300
  // Whether this tab has seen a session end (its own logout or another tab's).
  let sawLogout = false
  const tabs = createTabSync<TClaims>(
    {
      async shareable() {
        // Mid-refresh, prefer the rotated pair, but answer before the new tab gives up: its lock
        // and the coming broadcast keep it from using the old pair's refresh token.
        const refreshing = inFlight
        if (refreshing) await new Promise<void>((resolve) => {
          const timer = timers.setTimeout(resolve, handoffTimeout / 2)
          void refreshing.catch(() => {}).then(() => (timers.clearTimeout(timer), resolve()))
        })
        return state.status === 'authenticated' && !rejected ? session : null
      },
      accepts(next, reason) {
        if (loggedOut && !isNewer(next, loggedOut)) return false
        if (session) return isNewer(next, session) // never step back to an older pair
        // A refresh from a tab that had not yet heard of a logout must not log this tab back in;
        // a tab that never saw a session end takes it (it gave up on a handoff too early).
        return reason !== 'refresh' || !sawLogout
      },
      adopt(next, from, waited) {
        store.write(next)
        show(next, null, { type: 'session_adopted', from, waited })
      },
      endFromOtherTab(reason) {
        sawLogout = true
        if (session || tabs.waiting || state.status !== 'unauthenticated') endSession(reason, false, null, true)
      },
      handoffTimedOut(waited) {
        setState({ status: 'unauthenticated' })
        emit({ type: 'handoff_timeout', waited })
      },
    },
    timers,
    now,
    handoffTimeout,
  )

  function setState(patch: Partial<AuthState<TClaims>>): void {
    const next = { ...state, ...patch }
    if ((Object.keys(next) as (keyof AuthState)[]).every((k) => next[k] === state[k])) return
    state = next
    listeners.forEach((listener) => listener())
  }

  /**
   * Makes `next` the session of this tab, tells `event`, then plans the refresh. A failed refresh
   * shows the same session again with its `error`, keeping the retry plan.
   */
  function show(next: Session<TClaims>, error: AuthError | null = null, event?: AuthEvent): void {
    if (!error) {
      failedAttempts = 0
      retryAt = null
      rejected = null
    }
    session = next
    seq = Math.max(seq, next.seq)
    setState({ status: 'authenticated', accessToken: next.accessToken, claims: next.claims, expiresAt: next.expiresAt, error })
    if (event) emit(event)
    settleWaiter?.()
    schedule()
  }

  /** First read of storage, on the first getSnapshot or start: a plain read, safe during render. */
  function restore(): void {
    if (restored) return
    restored = true
    deferring = true
    const stored = store.read()
    if (stored && stored.expiresAt > now()) {
      show(stored, null, { type: 'session_restored' })
    } else if (stored) {
      session = stored // expired: start() refreshes it at once; until then still initializing
      seq = stored.seq
    } else if (!channelFactory) {
      setState({ status: 'unauthenticated' })
    }
    deferring = false
  }

  function commit(next: Session<TClaims>, reason: SessionUpdateReason, event: AuthEvent): void {
    store.write(next)
    tabs.updated(next, reason)
    show(next, null, event)
  }

  function schedule(): void {
    if (starts === 0 || !session) return
    if (rejected) return scheduler.at(session.expiresAt, () => endSession('refresh_rejected', true, rejected))
    const at = retryAt ?? refreshTime(session, leadTime, random)
    scheduler.at(at, () => void refreshQuietly())
    if (retryAt === null) emit({ type: 'refresh_scheduled', at, in: Math.max(0, at - now()) })
  }

  function endSession(reason: LogoutReason, broadcast: boolean, error: AuthError | null = null, fromOtherTab = false): void {
    logouts++
    sawLogout = true
    if (session && (!loggedOut || isNewer(session, loggedOut))) loggedOut = session
    inFlightAbort?.abort()
    scheduler.cancel()
    tabs.endHandoff()
    const had = session !== null || state.status !== 'unauthenticated'
    session = null
    failedAttempts = 0
    retryAt = null
    rejected = null
    store.clear()
    setState({ status: 'unauthenticated', accessToken: null, claims: null, expiresAt: null, error })
    if (broadcast) tabs.loggedOut(reason)
    if (had) emit({ type: 'logged_out', reason, fromOtherTab })
  }

  async function runRefresh(): Promise<Session<TClaims>> {
    const started = session
    if (!started) throw new AuthError('unauthenticated', 'No session to refresh.')
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
        const { refreshToken, accessToken, claims } = session
        const pair = await withTimeout(
          options.refresh({ refreshToken, accessToken, claims, signal: abort.signal }),
          refreshTimeout,
          timers,
          () => (abort.abort(), new AuthError('refresh_failed', `Refresh timed out after ${refreshTimeout} ms.`)),
        )
        if (logouts !== logoutMark) throw dropped()
        const next = createSession<TClaims>(pair, now(), seq + 1)
        // Inside the lock, so the broadcast leaves before the next tab may enter.
        commit(next, 'refresh', { type: 'refresh_succeeded', expiresAt: next.expiresAt })
        return next
      })
    } catch (caught) {
      if (logouts !== logoutMark) throw dropped()
      throw failRefresh(classifyRefreshError(caught))
    } finally {
      if (inFlightAbort === abort) inFlightAbort = null
    }
  }

  function settle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = timers.setTimeout((settleWaiter = done), SETTLE_AFTER_CONTENTION)
      function done() {
        timers.clearTimeout(timer)
        settleWaiter = null
        resolve()
      }
    })
  }

  function dropped(): AuthError {
    return new AuthError('unauthenticated', 'Logged out during the refresh; its result was dropped.')
  }

  function failRefresh(error: AuthError): AuthError {
    if (!session) return error
    let retryIn: number | null = null
    if (error.code !== 'refresh_rejected') {
      retryIn = backoffDelay(++failedAttempts, random)
      retryAt = now() + retryIn
      // An expired token that cannot be refreshed yet still belongs to a session worth keeping.
      show(session, error)
    } else if (session.expiresAt > now()) {
      rejected = error
      setState({ error })
      schedule()
    } else {
      endSession('refresh_rejected', true, error)
    }
    emit({ type: 'refresh_failed', error, retryIn })
    return error
  }

  function refreshShared(): Promise<Session<TClaims>> {
    return (inFlight ??= runRefresh().finally(() => (inFlight = null)))
  }

  function refreshQuietly(): void {
    // Failures already live in state and events; a background refresh has no caller to tell.
    refreshShared().catch(() => {})
  }

  /** The access token when it is not yet due for a refresh: usable at once, nothing to wait for. */
  function freshToken(): string | null {
    return session && now() < session.expiresAt - refreshLead(session, leadTime) ? session.accessToken : null
  }

  /** Resolves when a new tab's wait for another tab's session is over, either way. */
  function handoffSettled(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => state.status !== 'initializing' && (listeners.delete(check), resolve())
      listeners.add(check)
    })
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
      tabs.open(channelFactory, `jwt-session:${key}`)
      stopWake = (options.wakeEvents ?? defaultWakeEvents)(() => {
        if (retryAt !== null && !inFlight && session) refreshQuietly()
        else scheduler.check()
      })
      if (session && session.expiresAt <= now()) refreshQuietly()
      else if (session) schedule()
      else if (state.status === 'initializing' && !tabs.requestSession()) setState({ status: 'unauthenticated' })
    },
    stop() {
      if (starts === 0 || --starts > 0) return
      scheduler.cancel()
      tabs.close()
      settleWaiter?.()
      stopWake?.()
      stopWake = null
    },
    login(tokens) {
      const next = createSession<TClaims>(tokens, now(), seq + 1)
      restored = true
      tabs.endHandoff()
      commit(next, 'login', { type: 'logged_in' })
    },
    async logout({ everywhere = false } = {}) {
      const ended = session
      endSession(everywhere ? 'everywhere' : 'user', true)
      if (!ended || !options.revoke) return
      try {
        await options.revoke({ refreshToken: ended.refreshToken, accessToken: ended.accessToken, everywhere })
      } catch (cause) {
        emit({ type: 'revoke_failed', error: new AuthError('revoke_failed', 'Server-side logout failed.', { cause }) })
      }
    },
    async refresh({ staleToken } = {}) {
      restore()
      if (staleToken !== undefined && session && session.accessToken !== staleToken) return session.accessToken
      try {
        if (rejected) throw rejected // asking a server that refused the refresh token again cannot help
        return (await refreshShared()).accessToken
      } catch (error) {
        // The API refused this token and the server refused its refresh: nothing can renew the session.
        if (rejected && staleToken !== undefined && session?.accessToken === staleToken) {
          endSession('refresh_rejected', true, rejected)
        }
        throw error
      }
    },
    async getAccessToken() {
      restore()
      if (tabs.waiting) await handoffSettled()
      const fresh = freshToken()
      if (fresh !== null || !session) return fresh
      const valid = session.expiresAt > now()
      if (rejected) return valid ? session.accessToken : null
      // Backing off after a transient failure: no new request until the next step is due.
      if (retryAt !== null && now() < retryAt && !inFlight) {
        if (valid) return session.accessToken
        throw state.error
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
  // Options: allowedOrigins, fetch, credentials, excludeUrls, graphqlErrors. The peek spares each
  // request with a fresh token the wait on getAccessToken (the per-request hot path).
  const { getAccessToken, refresh } = client
  const authFetch = createAuthFetch({ getAccessToken, refresh, peekAccessToken: freshToken }, options)
  return client
}
