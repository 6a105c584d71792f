// The one place where this tab's session changes. Every change has a cause — the event `onEvent`
// hears of it — and what follows runs in one order, written once: ledger → refresher → timer →
// handoff → requests → store → marker → broadcast → state → event → next refresh → parts. Which
// cause skips which step is the table of `stepsOf`. The order is what keeps the tabs in step: the
// pair is stored and the other tabs are told before anything (a listener, a part) can act on the
// new state, and the marker lock that tells a refreshing tab "a newer pair exists" is asked for
// before the broadcast goes out. The state's other changes live here too (a refresh failing for
// now, a token running out while retrying); the parts set only their own fields (`patch`).
import type { Engine } from './engine'
import type { AuthError } from './errors'
import { refreshTime } from './scheduler'
import { SIGNED_OUT, sessionFields } from './state'
import { keyOf, type JwtClaims, type Session } from './tokens'
import type { AuthEvent } from './types'

/** Why the session changed: the event `onEvent` hears, or one of two changes it does not. */
export type Cause =
  | Extract<AuthEvent, { type: 'logged_in' | 'session_restored' | 'session_adopted' | 'refresh_succeeded' | 'logged_out' }>
  /** An expired stored copy: held, not shown; the start refreshes it once the other tabs had their say. */
  | { type: 'held_expired' }
  /** No session anywhere (nothing stored, no tab answered, no cookie); with why asking the server failed. */
  | { type: 'signed_out'; error?: AuthError }

/** How a session ends (`logged_out`). */
export interface Ending {
  /** Tell the other tabs (a logout here), or not (a logout heard from them). */
  broadcast?: boolean
  error?: AuthError | null
  /** Keep waiting for another tab's session (the answer that ended ours may not be the only one). */
  keepAsking?: boolean
}

/** Which steps a cause takes besides the ones every change takes. */
function stepsOf(
  cause: Cause,
  { broadcast, keepAsking }: Ending,
): {
  store: boolean
  broadcast: 'login' | 'refresh' | 'logout' | null
  resetsRefresher: boolean
  endsHandoff: boolean
} {
  const { type } = cause
  const signIn = type === 'logged_in' || (type === 'session_restored' && cause.from === 'cookie')
  const ended = type === 'logged_out'
  return {
    // The pair came from this tab's storage, or nothing changed there.
    store: !(type === 'session_restored' && cause.from === 'storage') && type !== 'held_expired' && type !== 'signed_out',
    broadcast: signIn ? 'login' : type === 'refresh_succeeded' ? 'refresh' : ended && broadcast ? 'logout' : null,
    // Not for the refresher's own result; nothing to reset when nothing was held.
    resetsRefresher: type !== 'refresh_succeeded' && type !== 'signed_out',
    // A session adopted from another tab ends the question itself (tabs.ts).
    endsHandoff: signIn || (ended && !keepAsking),
  }
}

/**
 * Makes `next` this tab's session (null: none) for `cause`. Resolves once the marker lock of the
 * new session is held: a refresh keeps its refresh lock until then.
 */
export function transition<TClaims extends JwtClaims>(
  e: Engine<TClaims>,
  next: Session<TClaims> | null,
  cause: Cause,
  ending: Ending = {},
): Promise<void> {
  const { ledger, refresher, scheduler, tabs, requests, store, locks, cell, parts } = e
  const last = e.session
  const { state } = cell
  const had = last !== null || state.status !== 'unauthenticated'
  const steps = stepsOf(cause, ending)

  if (next) ledger.saw(next)
  else if (last && cause.type === 'logged_out') ledger.ended(last)
  if (steps.resetsRefresher) refresher.reset()
  if (!next) scheduler.cancel()
  if (steps.endsHandoff) tabs.endHandoff()
  e.session = next
  if (next) requests.saw(next)
  else requests.forget()
  if (steps.store) {
    if (next) store.write(next)
    else store.clear()
  }
  // Every tab holds the marker of its session while started; a refresh's also after a stop (it
  // still guards the rotation), and an end lets go of it in any case.
  const marked = next && e.starts === 0 && cause.type !== 'refresh_succeeded' ? undefined : locks.holdSession(next)
  if (steps.broadcast === 'logout') {
    tabs.loggedOut(cause.type === 'logged_out' ? cause.reason : 'user', last && keyOf(last))
  } else if (steps.broadcast && next) {
    tabs.updated(next, steps.broadcast)
  }

  switch (cause.type) {
    case 'held_expired':
      break
    case 'signed_out':
      cell.patch(cause.error ? { status: 'unauthenticated', error: cause.error } : { status: 'unauthenticated' })
      if (cause.error) e.emit({ type: 'refresh_failed', error: cause.error, retryIn: null })
      break
    case 'logged_out':
      cell.patch({
        ...SIGNED_OUT,
        ended: had ? { reason: cause.reason, fromOtherTab: cause.fromOtherTab } : state.ended,
        error: ending.error ?? null,
      })
      if (had) e.emit(cause)
      break
    default:
      cell.patch({ ...sessionFields(next!), tokenExpired: false, ended: null, error: null })
      e.emit(cause)
      planRefresh(e)
  }
  if (cause.type !== 'signed_out') parts.onSession() // only once started: never while React renders
  return marked ?? Promise.resolve()
}

/** Plans what comes next for the session held: its refresh, a retry, or the end of a refused one. */
export function planRefresh<TClaims extends JwtClaims>(e: Engine<TClaims>): void {
  const { session, refresher, scheduler, cell, env } = e
  if (e.starts === 0 || !session) return
  const refreshState = refresher.state
  if (refreshState.status === 'rejected') {
    const end = () => void transition(e, null, LOGGED_OUT_REJECTED, { error: refreshState.error, broadcast: true })
    return scheduler.at(session.expiresAt, end)
  }
  const retrying = refreshState.status === 'retrying'
  const at = retrying ? refreshState.at : refreshTime(session, e.options.refreshLeadTime ?? 60_000, env.random)
  // While retrying, the token may run out before the next try: say so when it does.
  if (retrying && !cell.state.tokenExpired && session.expiresAt < at) {
    return scheduler.at(session.expiresAt, () => (cell.patch({ tokenExpired: true }), planRefresh(e)))
  }
  // Armed only while started (a stop cancels it): the refresh needs no channel of its own.
  scheduler.at(at, () => void refresher.request().catch(noop)) // failures live in state and events
  if (!retrying) e.emit({ type: 'refresh_scheduled', at, in: Math.max(0, at - env.now()) })
}

/**
 * A refresh failed for a passing reason: the state shows the error (and whether the token ran out),
 * and a stored session still being learnt is a session all the same, kept and shown.
 */
export function refreshFailed<TClaims extends JwtClaims>(e: Engine<TClaims>, error: AuthError): void {
  const { session, cell } = e
  const kept = session && cell.state.status === 'initializing' ? sessionFields(session) : {}
  cell.patch({ ...kept, error, tokenExpired: session !== null && session.expiresAt <= e.env.now() })
  planRefresh(e)
}

/** The end of a session whose refresh the server refused. */
export const LOGGED_OUT_REJECTED = { type: 'logged_out', reason: 'refresh_rejected', fromOtherTab: false } as const

const noop = () => {}
