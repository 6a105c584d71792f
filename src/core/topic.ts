import type { Environment } from './env'
import type { ChannelLike } from './tabs'

/** One kind of message shared with this origin's other tabs, on a channel of its own. */
export interface Topic<T extends object> {
  /** False when the browser gave no channel: this tab stands alone, and posts go nowhere. */
  readonly open: boolean
  post(message: T): void
  close(): void
}

/**
 * Opens `jwt-session:<storageKey>:<name>` for messages of type `jwt-session:<name>` and `version`. Anything else on the channel (other code
 * of the origin, an older version in another tab) never reaches `heard`, which gets the message's
 * fields to check one by one. Where the browser refuses a channel (storage blocked, a sandboxed or
 * opaque origin) the factory throws or returns null: the tab then stands alone, as the session's
 * own channel does, and never throws. Posting on a closed channel only costs the others the news.
 */
export function openTopic<T extends object>(
  env: Pick<Environment, 'channel' | 'storageKey'>,
  name: string,
  version: number,
  heard: (message: Partial<T>) => void,
): Topic<T> {
  const type = `jwt-session:${name}`
  let channel: ChannelLike | null
  try {
    channel = env.channel?.(`jwt-session:${env.storageKey}:${name}`) ?? null
  } catch {
    channel = null
  }
  const receive = ({ data }: { data: unknown }) => {
    const message = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>
    if (message.type === type && message.v === version) heard(message as Partial<T>)
  }
  channel?.addEventListener('message', receive)
  return {
    open: channel !== null,
    post(message) {
      try {
        channel?.postMessage({ ...message, type, v: version })
      } catch {
        // A closed or broken channel only costs the other tabs an update.
      }
    },
    close() {
      channel?.removeEventListener('message', receive)
      channel?.close()
      channel = null
    },
  }
}
