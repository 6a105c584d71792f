import type { StoredSession } from './tokens'

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

export type SessionUpdateReason = 'login' | 'refresh'

export type TabMessage =
  | { v: 1; type: 'session-request'; nonce: string }
  | { v: 1; type: 'session-response'; nonce: string; session: StoredSession }
  | { v: 1; type: 'session-updated'; reason: SessionUpdateReason; session: StoredSession }
  | { v: 1; type: 'logout'; reason: string }

/**
 * Schema check for anything arriving on the channel: other code on the origin may use the same
 * channel name, and old tabs of an older version may still be open. The session inside is
 * checked separately by parseStoredSession.
 */
export function parseTabMessage(data: unknown): TabMessage | null {
  if (typeof data !== 'object' || data === null) return null
  const message = data as Record<string, unknown>
  if (message.v !== 1) return null
  const nonceOk = typeof message.nonce === 'string' && message.nonce.length > 0 && message.nonce.length <= 64
  const hasSession = typeof message.session === 'object' && message.session !== null
  switch (message.type) {
    case 'session-request':
      return nonceOk ? (message as TabMessage) : null
    case 'session-response':
      return nonceOk && hasSession ? (message as TabMessage) : null
    case 'session-updated':
      return hasSession && (message.reason === 'login' || message.reason === 'refresh') ? (message as TabMessage) : null
    case 'logout':
      return typeof message.reason === 'string' && message.reason.length <= 64 ? (message as TabMessage) : null
    default:
      return null
  }
}

/** Opens the channel (or nothing, where there is none) and hands valid messages to `onMessage`. */
export function openTabBus(factory: ChannelFactory | null, name: string, onMessage: (message: TabMessage) => void) {
  let channel: ChannelLike | null = null
  try {
    channel = factory ? factory(name) : null
  } catch {
    channel = null // e.g. an opaque origin; each tab then stands alone
  }
  const listener = (event: { data: unknown }) => {
    const message = parseTabMessage(event.data)
    if (message) onMessage(message)
  }
  channel?.addEventListener('message', listener)
  return {
    connected: channel !== null,
    post(message: TabMessage): void {
      try {
        channel?.postMessage(message)
      } catch {
        // A closed or broken channel only costs the other tabs an update.
      }
    },
    close(): void {
      channel?.removeEventListener('message', listener)
      channel?.close()
      channel = null
    },
  }
}

export type TabBus = ReturnType<typeof openTabBus>

export function createNonce(): string {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
