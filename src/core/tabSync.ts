import type { Timers } from './scheduler'
import { createNonce, openTabBus, type ChannelFactory, type SessionUpdateReason, type TabBus, type TabMessage } from './tabs'
import { parseStoredSession, toStored, type JwtClaims, type Session } from './tokens'
import type { LogoutReason } from './types'

/** What the tab sync needs from the client that owns it. */
export interface TabSyncHost<TClaims extends JwtClaims> {
  /** The session this tab may hand to another, once any refresh in flight has settled. */
  shareable(): Promise<Session<TClaims> | null>
  /** Whether `next` may replace what this tab holds (newer, not logged out, see the client). */
  accepts(next: Session<TClaims>, reason: SessionUpdateReason | 'handoff'): boolean
  adopt(next: Session<TClaims>, from: 'handoff' | 'broadcast', waited: number): void
  endFromOtherTab(reason: LogoutReason): void
  handoffTimedOut(waited: number): void
}

const LOGOUT_REASONS: readonly LogoutReason[] = ['user', 'everywhere', 'refresh_rejected', 'expired']

/**
 * The cross-tab half of the client: a new tab's request for the session (handoff), and the
 * session updates and logouts every tab broadcasts. Messages are checked by tabs.ts; sessions
 * inside them by parseStoredSession; whether to take one is the host's decision.
 */
export function createTabSync<TClaims extends JwtClaims>(
  host: TabSyncHost<TClaims>,
  timers: Timers,
  now: () => number,
  handoffTimeout: number,
) {
  let bus: TabBus | null = null
  let handoff: { nonce: string; startedAt: number; timer: unknown } | null = null

  function endHandoff(): number {
    if (!handoff) return 0
    timers.clearTimeout(handoff.timer)
    const waited = now() - handoff.startedAt
    handoff = null
    return waited
  }

  async function answer(nonce: string): Promise<void> {
    const session = await host.shareable()
    if (session) bus?.post({ v: 1, type: 'session-response', nonce, session: toStored(session) })
  }

  function receive(message: TabMessage): void {
    if (message.type === 'session-request') {
      void answer(message.nonce)
    } else if (message.type === 'logout') {
      host.endFromOtherTab(LOGOUT_REASONS.find((reason) => reason === message.reason) ?? 'user')
    } else if (message.type === 'session-updated' || handoff?.nonce === message.nonce) {
      const next = parseStoredSession<TClaims>(message.session)
      // While waiting for a handoff, a broadcast session is as good as an answer.
      const reason = handoff ? 'handoff' : message.type === 'session-updated' ? message.reason : null
      if (next && reason && host.accepts(next, reason)) {
        host.adopt(next, handoff ? 'handoff' : 'broadcast', endHandoff())
      }
    }
  }

  return {
    open(factory: ChannelFactory | null, name: string): void {
      bus = openTabBus(factory, name, receive)
    },
    close(): void {
      endHandoff()
      bus?.close()
      bus = null
    },
    get waiting(): boolean {
      return handoff !== null
    },
    endHandoff,
    /** Asks the other tabs for their session; false when there is no channel to ask on. */
    requestSession(): boolean {
      if (!bus?.connected) return false
      const nonce = createNonce()
      const timer = timers.setTimeout(() => host.handoffTimedOut(endHandoff()), handoffTimeout)
      handoff = { nonce, startedAt: now(), timer }
      bus.post({ v: 1, type: 'session-request', nonce })
      return true
    },
    updated(session: Session<TClaims>, reason: SessionUpdateReason): void {
      bus?.post({ v: 1, type: 'session-updated', reason, session: toStored(session) })
    },
    loggedOut(reason: LogoutReason): void {
      bus?.post({ v: 1, type: 'logout', reason })
    },
  }
}
