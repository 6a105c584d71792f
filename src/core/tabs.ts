import type { Timers } from './scheduler'
import { parseStoredSession, toStored, type JwtClaims, type Session } from './tokens'
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

/** Why a tab broadcasts its session: only a login may sign in a tab that has seen a logout. */
export type SessionUpdateReason = 'login' | 'refresh'

/** What the tab sync needs from the client that owns it. */
export interface TabSyncHost<TClaims extends JwtClaims> {
  /** The session this tab may hand to another, once any refresh in flight has settled. */
  shareable(): Promise<Session<TClaims> | null>
  /** Whether `next` may replace what this tab holds (newer, not logged out: see the client). */
  accepts(next: Session<TClaims>, reason: SessionUpdateReason | 'handoff'): boolean
  adopt(next: Session<TClaims>, from: 'handoff' | 'broadcast', waited: number): void
  endFromOtherTab(reason: LogoutReason): void
  handoffTimedOut(waited: number): void
}

const LOGOUT_REASONS: readonly LogoutReason[] = ['user', 'everywhere', 'refresh_rejected', 'expired']

/**
 * The cross-tab half of the client on `BroadcastChannel('jwt-session:<key>')`: a new tab asks for
 * the session (`session-request` with a nonce, answered by `session-response`), and every tab
 * broadcasts `session-updated` and `logout`. Messages are versioned (`v: 1`); anything else on the
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
  let handoff: { nonce: string; startedAt: number; timer: unknown } | null = null

  function post(message: Record<string, unknown>): void {
    try {
      channel?.postMessage({ v: 1, ...message })
    } catch {
      // A closed or broken channel only costs the other tabs an update.
    }
  }

  function endHandoff(): number {
    if (!handoff) return 0
    timers.clearTimeout(handoff.timer)
    const waited = now() - handoff.startedAt
    handoff = null
    return waited
  }

  function receive({ data }: { data: unknown }): void {
    const message = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>
    const { v, type, nonce, reason } = message
    if (v !== 1) return
    if (type === 'session-request' && typeof nonce === 'string') {
      void host.shareable().then((session) => session && post({ type: 'session-response', nonce, session: toStored(session) }))
    } else if (type === 'logout' && typeof reason === 'string') {
      host.endFromOtherTab(LOGOUT_REASONS.find((known) => known === reason) ?? 'user')
    } else if (type === 'session-updated' || (type === 'session-response' && handoff && nonce === handoff.nonce)) {
      const next = parseStoredSession<TClaims>(message.session)
      // While waiting for a handoff any session is an answer; otherwise only a login may sign in.
      const why = handoff ? 'handoff' : reason === 'login' ? 'login' : 'refresh'
      if (next && host.accepts(next, why)) host.adopt(next, handoff ? 'handoff' : 'broadcast', endHandoff())
    }
  }

  return {
    open(factory: ChannelFactory | null, name: string): void {
      try {
        channel = factory?.(name) ?? null
      } catch {
        channel = null // e.g. an opaque origin; each tab then stands alone
      }
      channel?.addEventListener('message', receive)
    },
    close(): void {
      endHandoff()
      channel?.removeEventListener('message', receive)
      channel?.close()
      channel = null
    },
    get waiting(): boolean {
      return handoff !== null
    },
    endHandoff,
    /** Asks the other tabs for their session; false when there is no channel to ask on. */
    requestSession(): boolean {
      if (!channel) return false
      // Matches an answer to this request; not a secret, so Math.random is enough.
      const nonce = Math.random().toString(36).slice(2)
      const timer = timers.setTimeout(() => host.handoffTimedOut(endHandoff()), handoffTimeout)
      handoff = { nonce, startedAt: now(), timer }
      post({ type: 'session-request', nonce })
      return true
    },
    updated(session: Session<TClaims>, reason: SessionUpdateReason): void {
      post({ type: 'session-updated', reason, session: toStored(session) })
    },
    loggedOut(reason: LogoutReason): void {
      post({ type: 'logout', reason })
    },
  }
}
