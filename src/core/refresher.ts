import { AuthError, classifyRefreshError } from './errors'
import type { TabLocks } from './lock'
import { backoffDelay, withTimeout, type Timers } from './scheduler'
import { getHasuraUserId } from './hasura'
import { createSession, rotationOf, type JwtClaims, type Session, type TokenPair } from './tokens'
import type { AuthEvent, LogoutReason, RefreshContext } from './types'

/**
 * Where this tab's refresh machinery stands. Every path that wants a new token — the timer, a
 * 401, a wake-up, `refresh()`, `getAccessToken()` — goes through `request()`, which reads this
 * one value: so one cooldown governs them all.
 * - `idle`: nothing planned beyond the timer.
 * - `refreshing`: one attempt in flight for `from`; every caller shares it.
 * - `retrying`: the last attempt failed for a passing reason; nothing is sent before `at`.
 * - `rejected`: the server refused the refresh token; the access token serves until it expires.
 */
export type RefreshState =
  | { status: 'idle' }
  | { status: 'refreshing'; from: Session; attempt: number }
  | { status: 'retrying'; attempt: number; at: number; error: AuthError }
  | { status: 'rejected'; error: AuthError }

/** What the refresher needs from the client that owns it. */
export interface RefresherHost<TClaims extends JwtClaims> {
  session(): Session<TClaims> | null
  emit(event: AuthEvent): void
  /** Stores, broadcasts and shows a rotated pair; resolves once its cross-tab marker is held. */
  commit(next: Session<TClaims>): Promise<void>
  /** Ends the session in every tab. */
  end(reason: LogoutReason, error: AuthError): void
  /** Shows the state's error and plans the next step (a retry, or the end of a refused session). */
  failed(error: AuthError): void
  /** Resolves once this tab's question to the other tabs for their session is answered or timed out. */
  handoffSettled(): Promise<void>
  /** Asks the other tabs for their session; resolves when answered or timed out. */
  askOtherTabs(): Promise<void>
}

export interface RefresherOptions<TClaims extends JwtClaims> {
  refresh: (context: RefreshContext<TClaims>) => Promise<TokenPair>
  refreshTimeout: number
  locks: TabLocks
  timers: Timers
  now: () => number
  random: () => number
}

// How much longer than one refresh may take a tab waits for another's before taking over.
const TAKEOVER_MARGIN = 2_000

export function createRefresher<TClaims extends JwtClaims>(host: RefresherHost<TClaims>, options: RefresherOptions<TClaims>) {
  const { locks, now, refreshTimeout } = options
  const maxWait = refreshTimeout + TAKEOVER_MARGIN
  let state: RefreshState = { status: 'idle' }
  let inFlight: { promise: Promise<Session<TClaims>>; abort: AbortController } | null = null

  /** The attempt's outcome when the session moved on while it ran: that session, or the end of it. */
  function movedOn(): Session<TClaims> {
    const current = host.session()
    if (!current) throw new AuthError('unauthenticated', 'The session ended during the refresh; its result was dropped.')
    host.emit({ type: 'refresh_skipped', reason: 'rotated_by_other_tab' })
    return current
  }

  async function attempt(from: Session<TClaims>, abort: AbortController): Promise<Session<TClaims>> {
    const { signal } = abort
    host.emit({ type: 'refresh_started' })
    // A tab that just asked the others for their session (a restored tab) hears them out first:
    // its own refresh token may have been spent by them long ago.
    await host.handoffSettled()
    if (host.session() !== from) return movedOn()
    const lock = await locks.refreshLock(from, maxWait, signal)
    try {
      if (host.session() !== from) return movedOn()
      // Another tab rotated this generation (its broadcast may still be on its way), or a newer
      // login exists: this refresh token must not be sent. Ask for the newer session instead.
      if (await locks.newerThan(from)) {
        await host.askOtherTabs()
        if (host.session() !== from) return movedOn()
        throw new AuthError('refresh_failed', 'Another tab holds a newer session and has not shared it yet.')
      }
      // Our lock was stolen while this tab was frozen: the tab that took over sends the token.
      if (lock?.stolen) throw new AuthError('refresh_failed', 'Another tab took this refresh over.')
      if (host.session() !== from) return movedOn()
      const pair = await sendRefresh(options, from, abort)
      // The server answered 2xx: this refresh token is spent, whatever the answer holds.
      const next = createSession<TClaims>(pair, now(), rotationOf(from))
      if (host.session() !== from) return movedOn()
      // Another user's token, or another login's, is never a rotation of this login. In cookie
      // mode the answer is whoever the browser's one refresh cookie names now (a cold start still
      // in flight when this user signed in put the previous user's cookie back): the session ends.
      if (!sameLogin(from.claims, next.claims)) throw anotherLogin()
      // Inside the lock: the marker and the broadcast are out before the next tab may enter.
      await host.commit(next)
      return next
    } finally {
      lock?.release()
    }
  }

  function fail(from: Session<TClaims>, attempt: number, caught: unknown): unknown {
    // The session changed (login, logout, another tab's pair) while this attempt ran: its failure
    // says nothing about the session now.
    if (host.session() !== from) return caught
    const error = caught instanceof AuthError && caught.code === 'session_changed' ? caught : classifyRefreshError(caught)
    let retryIn: number | null = null
    if (error.code === 'invalid_token' || error.code === 'session_changed') {
      // A 2xx whose pair is unusable (or another user's) spent the refresh token: it can never be sent again.
      state = { status: 'idle' }
      host.end('refresh_rejected', error)
    } else if (error.code === 'refresh_rejected' && from.expiresAt <= now()) {
      state = { status: 'idle' }
      host.end('refresh_rejected', error)
    } else if (error.code === 'refresh_rejected') {
      state = { status: 'rejected', error }
      host.failed(error)
    } else {
      retryIn = backoffDelay(attempt, options.random)
      state = { status: 'retrying', attempt, at: now() + retryIn, error }
      host.failed(error)
    }
    host.emit({ type: 'refresh_failed', error, retryIn })
    return error
  }

  return {
    get state(): RefreshState {
      return state
    },

    /** The attempt in flight, if any. */
    get pending(): Promise<Session<TClaims>> | null {
      return inFlight?.promise ?? null
    },

    /**
     * A refresh of the current session, shared by every caller while it runs. Refused without a
     * request while a backoff runs (the last error) or after the server refused the token.
     */
    request(): Promise<Session<TClaims>> {
      if (inFlight) return inFlight.promise
      const from = host.session()
      if (!from) return Promise.reject(new AuthError('unauthenticated', 'No session to refresh.'))
      if (state.status === 'rejected') return Promise.reject(state.error)
      if (state.status === 'retrying' && now() < state.at) return Promise.reject(state.error)
      const attemptNo = state.status === 'retrying' ? state.attempt + 1 : 1
      state = { status: 'refreshing', from, attempt: attemptNo }
      const abort = new AbortController()
      const promise = attempt(from, abort).then(
        (next) => {
          if (inFlight?.promise === promise) state = { status: 'idle' }
          return next
        },
        (caught: unknown) => {
          if (inFlight?.promise === promise) throw fail(from, attemptNo, caught)
          return movedOn() // reset meanwhile: the callers get whatever session replaced this one
        },
      )
      const mine = { promise, abort }
      inFlight = mine
      void promise.catch(() => {}).then(() => inFlight === mine && (inFlight = null))
      return promise
    },

    /** How long a tab waits for a lock another tab holds before taking it over (a frozen tab). */
    maxWait,

    /** A refresh with no session yet (a cold start from the refresh cookie): no lock, no state. */
    cold: (): Promise<TokenPair> => sendRefresh(options, null, new AbortController()),

    /** The session changed from outside (login, logout, another tab's pair): start clean, drop any attempt. */
    reset(): void {
      inFlight?.abort.abort()
      inFlight = null
      state = { status: 'idle' }
    },
  }
}

/** Who a token is for: `sub`, else Hasura's `x-hasura-user-id`; null when it names nobody. */
const userOf = (claims: JwtClaims): string | null => claims.sub ?? getHasuraUserId(claims)

/**
 * Whether a refreshed token still belongs to the login it refreshed: the same user, and the same
 * server session (`sid`, as OpenID Connect names it) when both tokens carry one. In cookie mode a
 * refresh answers for whatever login the browser's one refresh cookie names now, which may be
 * another user's, or another login of the same user.
 */
const sameLogin = (from: JwtClaims, next: JwtClaims): boolean =>
  userOf(from) === userOf(next) && (typeof from.sid !== 'string' || typeof next.sid !== 'string' || from.sid === next.sid)

/** The end of a login whose refresh answered for another user or login; a replay waiting on it is refused. */
const anotherLogin = () => new AuthError('session_changed', 'The refresh answered for another login; the session ended.')

/** Calls `refresh` with `from`'s tokens (none for a cold start); aborted and failed after `refreshTimeout`. */
function sendRefresh<TClaims extends JwtClaims>(
  { refresh, refreshTimeout, timers }: RefresherOptions<TClaims>,
  from: Session<TClaims> | null,
  abort: AbortController,
): Promise<TokenPair> {
  const context = { refreshToken: from?.refreshToken ?? null, accessToken: from?.accessToken ?? null, claims: from?.claims ?? null }
  return withTimeout(refresh({ ...context, signal: abort.signal }), refreshTimeout, timers, () => {
    abort.abort()
    return new AuthError('refresh_failed', `Refresh timed out after ${refreshTimeout} ms.`)
  })
}

export type Refresher<TClaims extends JwtClaims> = ReturnType<typeof createRefresher<TClaims>>
