// How a tab learns its session: its own storage first (a plain read, safe while React renders),
// then the other tabs (who may hold a newer pair), then — with nothing anywhere — the opt-in cold
// start. Also what keeps a stopped client from leaving anything open.
import type { Engine } from './engine'
import { createSession, isNewer, type JwtClaims, type Session, type TokenPair } from './tokens'
import { transition, type Cause } from './transition'
import type { WakeKind } from './wakeEvents'

/** How client `e` learns its session; `transition` is its one way to change it. */
export function createStartup<TClaims extends JwtClaims>(e: Engine<TClaims>) {
  const { store, tabs, locks, refresher, parts, env, cell, ledger, scheduler } = e

  /** First read of storage, on the first getSnapshot, start or request: reads, changes nothing outside. */
  function restore(): void {
    if (e.restored) return
    e.restored = true
    e.deferring = true
    const stored = store.read()
    if (stored && stored.expiresAt > env.now()) {
      void transition(e, stored, { type: 'session_restored', from: 'storage' })
      if (env.channel) e.unconfirmed = { session: stored, newer: locks.newerThan(stored) }
    } else if (stored) {
      void transition(e, stored, { type: 'held_expired' })
    } else if (!env.channel) {
      void transition(e, null, { type: 'signed_out' })
    }
    e.deferring = false
  }

  /**
   * Learns the session as `start()` would — restore, ask the other tabs, refresh an expired copy —
   * for a caller that comes first (a route loader); resolves once the status is known (or the
   * client was stopped meanwhile). Without a `start()`, nothing is left running afterwards.
   */
  function settle(): Promise<void> {
    restore()
    if (cell.state.status !== 'initializing') return Promise.resolve()
    if (e.starts === 0 && !tabs.waiting) learnSession()
    // Over when the other tabs answered (or not) and a refresh of an expired copy is done; a
    // stop() meanwhile ends both.
    return tabs
      .settled()
      .then(() => e.restoring)
      .then(() => refresher.pending?.then(noop, noop))
      .finally(() => closeIfStopped())
  }

  /**
   * Opens the channel and asks the other tabs, even with a stored session: a tab reopened or
   * restored with its own old copy must learn of a newer one before it ever sends its refresh
   * token. An expired copy is refreshed (once they had their say); true when that refresh began.
   */
  function learnSession(): boolean {
    openChannel()
    const asked = tabs.requestSession()
    if (!e.session && !asked) noSessionFound()
    else if (!e.session) void settleIfNoTabHolds()
    if (!e.session || e.session.expiresAt > env.now()) return false
    void requestRefresh().catch(noop) // failures live in state and events
    return true
  }

  /**
   * Resolves once a session read from storage may be used: at once when no tab holds a newer one
   * (their markers say so), else when the other tabs answered or `handoffTimeout` passed. A
   * request before start() (a route loader) asks them itself.
   */
  async function confirmStored(): Promise<void> {
    const pending = e.unconfirmed
    if (!pending || pending.session !== e.session) return
    if (await pending.newer) {
      if (!tabs.waiting) {
        openChannel()
        if (tabs.requestSession() && e.starts === 0) void tabs.settled().then(() => closeIfStopped())
      }
      await tabs.settled()
    }
    if (e.unconfirmed === pending) e.unconfirmed = null
  }

  /**
   * A tab with nothing stored need not wait out `handoffTimeout` when no tab holds a session (their
   * marker locks say so within a few ms): a first visit shows its login page at once. An answer
   * or a login that comes later is still taken (tabs.ts keeps the question open for it).
   */
  async function settleIfNoTabHolds(): Promise<void> {
    if ((await locks.mayBeHeld()) || e.session || !tabs.waiting) return
    tabs.endHandoff()
    noSessionFound()
  }

  /** Nothing stored and no tab holds a session: signed out, unless a cold start finds one (once per tab). */
  function noSessionFound(): void {
    const coldStart = parts.coldStart
    if (!coldStart || e.restoring) return void transition(e, null, { type: 'signed_out' })
    e.restoring = coldStart()
  }

  /** A new login here (`login`) or from the refresh cookie (`cookie`): checked by the parts, then taken. */
  function signIn(tokens: TokenPair, cause: Cause): void {
    const next = createSession<TClaims>(tokens, env.now(), ledger.nextLogin(newFamilyId()))
    parts.bind?.(next.family, next.claims)
    e.restored = true
    void transition(e, next, cause)
  }

  function openChannel(): void {
    tabs.open(env.channel, `jwt-session:${env.storageKey}`)
  }

  /** A stopped client keeps nothing open, except the channel a refresh in flight must still broadcast on. */
  function closeIfStopped(): void {
    if (e.starts > 0) return
    const pending = refresher.pending
    if (pending) return void pending.then(noop, noop).then(() => closeIfStopped())
    tabs.close()
    void locks.holdSession(null)
  }

  /**
   * Every refresh goes through here. A stopped client may still be asked (a request of an
   * unmounted app got its 401): the channel opens for that refresh, so the other tabs hear the
   * rotated pair or the end of the session, and closes once it settles.
   */
  function requestRefresh(): Promise<Session<TClaims>> {
    if (e.starts === 0) openChannel()
    const pending = refresher.request()
    if (e.starts === 0) void pending.then(noop, noop).then(() => closeIfStopped())
    return pending
  }

  /** The page woke up, left, or came back from the back/forward cache. */
  function onWake(kind?: WakeKind): void {
    // A cached page holding a Web Lock is evicted as soon as another tab queries or wants locks.
    if (kind === 'pagehide') return void locks.holdSession(null)
    if (kind === 'restored') revalidate()
    // Limits first: a session that ran out while the laptop slept ends before the first input
    // could count as activity, and before its expired token is refreshed.
    parts.onWake()
    scheduler.check()
  }

  /** Back from the back/forward cache: another page of this tab may have ended or replaced the session. */
  function revalidate(): void {
    const stored = store.read()
    if (!stored) {
      if (e.session) void transition(e, null, { type: 'logged_out', reason: 'user', fromOtherTab: true })
    } else if (!e.session || isNewer(stored, e.session)) {
      void transition(e, stored, { type: 'session_restored', from: 'storage' })
    }
    void locks.holdSession(e.session)
    tabs.requestSession()
  }

  return { restore, settle, learnSession, confirmStored, noSessionFound, signIn, closeIfStopped, requestRefresh, onWake }
}

const noop = () => {}

/** Names one login; not a secret, only unique enough to tell logins apart. */
const newFamilyId = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`

export type Startup<TClaims extends JwtClaims = JwtClaims> = ReturnType<typeof createStartup<TClaims>>
