// The session engine, composed of modules that each own one concern:
// - transition.ts: the one place the session changes, with its cause, and the order of what follows;
// - startup.ts: how a tab learns its session (storage, the other tabs, the opt-in cold start);
// - store (storage.ts): this tab's copy in sessionStorage, memory when that fails;
// - tabs (tabs.ts): the channel to the other tabs: ask for, broadcast and end sessions;
// - locks (lock.ts): who may send which refresh token, and which sessions live tabs hold;
// - refresher (refresher.ts): the refresh state machine, idle → refreshing → idle | retrying |
//   rejected, and back to idle whenever the session changes from outside;
// - scheduler (scheduler.ts): the one timer, met against the wall clock;
// - requests (requestTokens.ts): which token a request gets, and whether a refused one may be
//   replayed; fetch (fetch.ts): `client.fetch` and `getAuthHeaders` on top of it;
// - tokens.ts: what a session is (its pair, claims, skew and counts), validation, the stored format;
// - env.ts: the browser, resolved once; part.ts: the one contract of the opt-in parts (src/parts/).
// The session's own life: `initializing` (storage read, other tabs asked) → `authenticated`
// (login, restore, adoption from another tab) → `unauthenticated` (logout here or elsewhere, a
// refused refresh, expiry after one). Which session may replace which is the ledger's rule
// (ledger.ts): sessions are ordered by login and rotation counts, and an ended login never returns.
import type { Engine } from './engine'
import { createEnvironment } from './env'
import { INSPECT } from './inspect'
import { AuthError } from './errors'
import { createAuthFetch } from './fetch'
import { createLedger } from './ledger'
import { createTabLocks } from './lock'
import { endEverywhere } from './logout'
import type { AuthClient, AuthClientOptions } from './options'
import { createPartContext } from './partContext'
import { createPartSet } from './partSet'
import { createRefresher } from './refresher'
import { createRequestTokens } from './requestTokens'
import { createScheduler } from './scheduler'
import { createStartup, type Startup } from './startup'
import { createStateCell } from './state'
import { createSessionStore } from './storage'
import { createTabSync } from './tabs'
import { isNewer, type JwtClaims } from './tokens'
import { LOGGED_OUT_REJECTED, planRefresh, refreshFailed, transition } from './transition'
import type { AuthEvent } from './types'

export type { AuthClient } from './options'
export { UNKNOWN_STATE } from './state'

/** The session engine: one per app, shared by React, the fetcher and whatever else needs a token. */
export function createAuthClient<TClaims extends JwtClaims = JwtClaims>(options: AuthClientOptions<TClaims>): AuthClient<TClaims> {
  if (options.dpop && options.restore)
    throw new TypeError('createAuthClient: dpop and restore do not combine (a cold start has no DPoP key).')
  const env = createEnvironment(options)
  const { now, timers } = env
  const cell = createStateCell<TClaims>()
  const deferred: AuthEvent[] = []
  const emit = (event: AuthEvent): void => {
    if (e.deferring) return void deferred.push(event)
    e.tap?.(event)
    options.onEvent?.(event)
  }
  const locks = createTabLocks(env.locks, env.storageKey, timers)
  // Built once the engine is (below); the hosts and parts reach it on use.
  let startup: Startup<TClaims>
  // In the order they are told of the session and of a wake-up: the limits first.
  const parts = createPartSet(
    [options.timeout, options.role, options.dpop, options.restore],
    createPartContext(
      env,
      () => e,
      () => startup,
    ),
  )

  const tabs = createTabSync<TClaims>(
    {
      async shareable() {
        // Mid-refresh, prefer the rotated pair, but answer before the asking tab gives up.
        const pending = e.refresher.pending
        if (pending)
          await new Promise<void>((resolve) => {
            const timer = timers.setTimeout(resolve, env.handoffTimeout / 2)
            void pending.then(noop, noop).then(() => (timers.clearTimeout(timer), resolve()))
          })
        // (A tab still waiting for its own answer is not asked: tabs.ts answers for it once it knows.)
        return cell.state.status === 'authenticated' && e.refresher.state.status !== 'rejected' ? e.session : null
      },
      ended: () => e.ledger.lastEnded,
      offered(next, source, waited) {
        const { ledger, session } = e
        if (!ledger.accepts(next, session)) {
          // A login this tab saw end, offered by a tab that missed its end (stopped then, or its
          // question crossed ours): tell that tab, so the tabs agree again.
          const ended = ledger.endOf(next)
          if (ended) tabs.loggedOut('user', ended)
          // Not taken: still an answer if what this tab holds is as new (a restored tab up to date).
          const answered = session !== null && !isNewer(next, session)
          if (answered) e.unconfirmed = null
          return answered
        }
        void transition(e, next, { type: 'session_adopted', from: source === 'handoff' ? 'handoff' : 'broadcast', waited })
        return true
      },
      endedElsewhere(reason, ended, answered) {
        const { ledger, session } = e
        if (ended) ledger.ended(ended)
        if ((session && ledger.endsCurrent(ended, session)) || (!session && !answered && cell.state.status !== 'unauthenticated')) {
          void transition(e, null, { type: 'logged_out', reason, fromOtherTab: true }, { keepAsking: answered })
        }
      },
      handoffTimedOut(waited) {
        e.unconfirmed = null // no tab answered in time: a stored copy is this tab's to use
        if (e.session) return
        startup.noSessionFound()
        emit({ type: 'handoff_timeout', waited })
      },
    },
    timers,
    now,
    env.handoffTimeout,
  )

  const refresher = createRefresher<TClaims>(
    {
      session: () => e.session,
      emit,
      commit: (next) => transition(e, next, { type: 'refresh_succeeded', expiresAt: next.expiresAt }),
      end: (reason, error) => void transition(e, null, { type: 'logged_out', reason, fromOtherTab: false }, { error, broadcast: true }),
      failed: (error) => refreshFailed(e, error),
      handoffSettled: () => tabs.settled(),
      askOtherTabs: () => (tabs.requestSession(), tabs.settled()),
    },
    {
      refresh: parts.wrapRefresh(options.refresh),
      refreshTimeout: options.refreshTimeout ?? 15_000,
      locks,
      timers,
      now,
      random: env.random,
    },
  )

  const requests = createRequestTokens<TClaims>(
    {
      session: () => e.session,
      refreshState: () => refresher.state,
      settle: () => startup.settle(),
      unconfirmed: () => e.unconfirmed?.session ?? null,
      confirm: () => startup.confirmStored(),
      refresh: () => startup.requestRefresh(),
      rejected: (error) => void transition(e, null, LOGGED_OUT_REJECTED, { error, broadcast: true }),
    },
    options.refreshLeadTime ?? 60_000,
    now,
  )

  const e: Engine<TClaims> = {
    options,
    env,
    cell,
    locks,
    parts,
    tabs,
    refresher,
    requests,
    emit,
    tap: null,
    session: null,
    ledger: createLedger(),
    store: createSessionStore<TClaims>(env.storageKey, env.storage, () =>
      emit({ type: 'storage_unavailable', error: new AuthError('storage_unavailable', 'Storage unavailable; session kept in memory.') }),
    ),
    scheduler: createScheduler(timers, now),
    deferring: false,
    starts: 0,
    restored: false,
    restoring: null,
    unconfirmed: null,
  }
  const { restore, settle, signIn } = (startup = createStartup(e))
  let stopWake: (() => void) | null = null

  const client: AuthClient<TClaims> = {
    getSnapshot() {
      restore()
      return cell.state
    },
    subscribe: cell.subscribe,
    start() {
      if (e.starts++ > 0) return
      restore()
      deferred.splice(0).forEach(emit)
      void locks.holdSession(e.session)
      stopWake = env.wakeEvents(startup.onWake)
      if (!startup.learnSession()) planRefresh(e)
      parts.start()
      parts.onSession()
    },
    stop() {
      if (e.starts === 0 || --e.starts > 0) return
      e.scheduler.cancel()
      stopWake?.()
      stopWake = null
      parts.stop()
      // A rotation that completes after a stop (a remount, a hot reload) must still reach the other tabs.
      startup.closeIfStopped()
    },
    login: (tokens) => signIn(tokens, { type: 'logged_in' }),
    async logout({ everywhere = false } = {}) {
      await endEverywhere(e, everywhere ? 'everywhere' : 'user')?.()
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
      return cell.state
    },
    fetch: (input, init) => authFetch.fetch(input, init),
    loginFetch: (input, init) => (parts.loginFetch?.(base) ?? base)(input, init),
    getAuthHeaders: (request) => authFetch.getAuthHeaders(request),
    extend: () => parts.extend?.(),
    setRole(next) {
      if (!parts.setRole) throw new TypeError('auth.setRole() needs createAuthClient({ role: hasuraRole() }).')
      parts.setRole(next)
    },
  }
  const base: typeof fetch = (input, init) => (options.fetch ?? fetch)(input, init)
  // Options: allowedOrigins, fetch, credentials, excludeUrls, graphqlErrors. The peek spares each
  // request with a fresh token the wait on getAccessToken (the per-request hot path).
  const { getAccessToken, refresh } = client
  const authFetch = createAuthFetch(
    {
      getAccessToken,
      refresh,
      peekAccessToken: requests.fresh,
      sessionId: () => e.session?.family ?? null,
      challenged: (challenge) => emit({ type: 'step_up_required', ...challenge }),
      headers: parts.headers,
      signer: parts.signer,
      proofHeaders: parts.proofHeaders,
    },
    options,
  )
  // The devtools' way in (inspect.ts): non-enumerable, in no public type.
  Object.defineProperty(client, INSPECT, { value: e })
  return client
}

const noop = () => {}
