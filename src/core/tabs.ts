import type { Timers } from './scheduler'
import { parseKey, parseStoredSession, toStored, type JwtClaims, type Session, type SessionKey } from './tokens'
import type { LogoutReason } from './types'

/** The part of BroadcastChannel the client uses. */
export interface ChannelLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  close(): void
}

/** Opens a channel by name (BroadcastChannel by default); null when the environment has none. */
export type ChannelFactory = (name: string) => ChannelLike | null

export const defaultChannel: ChannelFactory = (name) =>
  typeof BroadcastChannel === 'undefined' ? null : (new BroadcastChannel(name) as ChannelLike)

/** How a session reached this tab: asked for, or broadcast after a login or a refresh elsewhere. */
export type SessionSource = 'handoff' | 'login' | 'refresh'

/** What the tab sync needs from the client that owns it. */
export interface TabSyncHost<TClaims extends JwtClaims> {
  /** The session this tab may hand to another, once any refresh in flight has settled. */
  shareable(): Promise<Session<TClaims> | null>
  /** The newest session this tab saw end, told to a tab that asks while this one holds none. */
  ended(): SessionKey | null
  /** Another tab offers `next`; true when this tab took it or holds one as new (its question is answered). */
  offered(next: Session<TClaims>, source: SessionSource, waited: number): boolean
  /** Another tab ended `ended` (null: whatever it held); `answered`: told in reply to our question, not broadcast. */
  endedElsewhere(reason: LogoutReason, ended: SessionKey | null, answered: boolean): void
  handoffTimedOut(waited: number): void
}

const LOGOUT_REASONS: readonly LogoutReason[] = ['user', 'everywhere', 'refresh_rejected', 'expired', 'idle', 'max_age']

/**
 * The cross-tab half of the client on `BroadcastChannel('jwt-session:<key>')`: a tab asks for
 * the session (`session-request` with a nonce, answered by `session-response`), and every tab
 * broadcasts `session-updated` and `logout`. Messages are versioned (`v: 2`); anything else on the
 * channel — other code of the origin, an older version in another tab — is ignored, and sessions
 * inside messages are checked like stored ones. A received message is never re-broadcast.
 */
export function createTabSync<TClaims extends JwtClaims>(
  host: TabSyncHost<TClaims>,
  timers: Timers,
  now: () => number,
  handoffTimeout: number,
) {
  let channel: ChannelLike | null = null
  let handoff: { nonce: string; startedAt: number; timer: unknown; done: () => void; settled: Promise<void> } | null = null
  // This tab's latest question, kept after it is over: an answer that comes after the wait ended
  // (the answering tab was still asking itself) is still taken.
  let asked: { nonce: string; startedAt: number } | null = null
  // Questions heard while this tab was asking itself: answered once it knows its session.
  let heard: string[] = []

  function post(message: Record<string, unknown>): void {
    try {
      channel?.postMessage({ v: 2, ...message })
    } catch {
      // A closed or broken channel only costs the other tabs an update.
    }
  }

  function endHandoff(): number {
    if (!handoff) return 0
    timers.clearTimeout(handoff.timer)
    const waited = now() - handoff.startedAt
    handoff.done()
    handoff = null
    // After the caller has acted on the end (taken the answer, settled, signed in): then this tab
    // knows what to answer.
    const waiting = heard.splice(0)
    if (waiting.length > 0) void Promise.resolve().then(() => waiting.forEach(answer))
    return waited
  }

  /**
   * Answers another tab's question. A tab still waiting for its own answer may hold a stale copy
   * (a restored tab): it answers once its wait is over, not never, or a tab that asked meanwhile
   * (opened while this one reloaded) would settle signed out.
   */
  function answer(nonce: string): void {
    if (handoff) return void heard.push(nonce)
    void host.shareable().then((session) => {
      if (handoff) return void heard.push(nonce) // began asking meanwhile: what it holds may be stale
      const ended = session ? null : host.ended()
      if (session || ended) post({ type: 'session-response', nonce, ...(session ? { session: toStored(session) } : { ended }) })
    })
  }

  function receive({ data }: { data: unknown }): void {
    const message = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>
    const { v, type, nonce, reason } = message
    if (v !== 2 || typeof type !== 'string') return
    if (type === 'session-request' && typeof nonce === 'string') {
      answer(nonce)
    } else if (type === 'logout' && typeof reason === 'string') {
      host.endedElsewhere(LOGOUT_REASONS.find((known) => known === reason) ?? 'user', parseKey(message.ended), false)
    } else if (type === 'session-response' && asked && nonce === asked.nonce) {
      // Also after this tab gave up waiting: the ledger decides whether it still takes the session.
      const next = parseStoredSession<TClaims>(message.session)
      if (next) {
        if (host.offered(next, 'handoff', now() - asked.startedAt)) endHandoff()
      } else {
        const ended = parseKey(message.ended)
        if (ended) host.endedElsewhere('user', ended, true)
      }
    } else if (type === 'session-updated') {
      const next = parseStoredSession<TClaims>(message.session)
      // Taken while waiting for an answer, it is the answer.
      if (next && host.offered(next, reason === 'login' ? 'login' : 'refresh', handoff ? now() - handoff.startedAt : 0)) endHandoff()
    }
  }

  return {
    open(factory: ChannelFactory | null, name: string): void {
      if (channel) return // still open: a stop waited for a refresh to finish and a start came first
      try {
        channel = factory?.(name) ?? null
      } catch {
        channel = null // e.g. an opaque origin; each tab then stands alone
      }
      channel?.addEventListener('message', receive)
    },
    close(): void {
      heard = [] // a closed channel answers nobody
      endHandoff()
      asked = null
      channel?.removeEventListener('message', receive)
      channel?.close()
      channel = null
    },
    get waiting(): boolean {
      return handoff !== null
    },
    /** Resolves when the current wait for another tab's session is over, either way. */
    settled(): Promise<void> {
      return handoff?.settled ?? Promise.resolve()
    },
    endHandoff,
    /** Asks the other tabs for their session; false when there is no channel to ask on. */
    requestSession(): boolean {
      if (!channel) return false
      if (handoff) return true
      // Matches an answer to this request; not a secret, so Math.random is enough.
      const nonce = Math.random().toString(36).slice(2)
      const timer = timers.setTimeout(() => host.handoffTimedOut(endHandoff()), handoffTimeout)
      let done!: () => void
      const settled = new Promise<void>((resolve) => (done = resolve))
      handoff = { nonce, startedAt: now(), timer, done, settled }
      asked = { nonce, startedAt: handoff.startedAt }
      post({ type: 'session-request', nonce })
      return true
    },
    updated(session: Session<TClaims>, reason: 'login' | 'refresh'): void {
      post({ type: 'session-updated', reason, session: toStored(session) })
    },
    loggedOut(reason: LogoutReason, ended: SessionKey | null): void {
      post({ type: 'logout', reason, ended })
    },
  }
}

export type TabSync<TClaims extends JwtClaims> = ReturnType<typeof createTabSync<TClaims>>
