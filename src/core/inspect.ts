// The seam a devtools panel reads one client through: `client[INSPECT]`, a non-enumerable symbol
// property, so it is in no public type and costs an app that never reads it only these lines.
// Everything it gives is the client's own vocabulary — events, causes, session order keys,
// refresh status — and never a token.
import type { AuthClientOptions } from './options'
import type { SessionKey } from './tokens'
import type { Cause } from './transition'
import type { AuthEvent } from './types'

export const INSPECT: unique symbol = Symbol.for('jwt-tab-session.inspect') as never

/** One thing that happened in a client, on its clock (ms). */
export type InspectRecord =
  | { type: 'event'; event: AuthEvent; at: number }
  /** The session changed: its cause, and the order key of the session now held (null: none). */
  | { type: 'transition'; cause: Cause['type']; session: SessionKey | null; at: number }

export interface Inspection {
  /** Hears every record from now on; returns the function that stops listening. */
  listen(listener: (record: InspectRecord) => void): () => void
  /** The refresh machine: `idle`, `refreshing`, `retrying` (with when) or `rejected`. */
  refreshStatus(): { status: 'idle' | 'refreshing' | 'retrying' | 'rejected'; retryAt: number | null }
  /** The order key of the session held (login number, since, rotation count), never its tokens. */
  session(): SessionKey | null
  /** The storage key, which names the session's channels and locks. */
  storageKey: string
  /** The options the client was made with, as given (the defaults are options.ts's). */
  options: Readonly<AuthClientOptions<never>>
}

/** The listeners of one client; `record` is what the engine calls. */
export function createInspector() {
  const listeners = new Set<(record: InspectRecord) => void>()
  return {
    record(record: InspectRecord): void {
      listeners.forEach((listener) => listener(record))
    },
    listen(listener: (record: InspectRecord) => void): () => void {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
  }
}
