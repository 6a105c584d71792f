// The seam a devtools panel reads one client through: `client[INSPECT]`, a non-enumerable symbol
// property holding the client's engine, so it is in no public type. What the devtools make of it
// (`inspect`) is in no app that does not import them: the engine itself carries one property and
// one optional call (`tap`). Everything an inspection gives is the client's own vocabulary —
// events, causes, session order keys, refresh status — and never a token.
import type { AuthClientOptions } from './options'
import type { Engine } from './engine'
import { keyOf, type JwtClaims, type SessionKey } from './tokens'
import type { Cause } from './transition'
import type { AuthEvent } from './types'

export const INSPECT: unique symbol = Symbol.for('jwt-tab-session.inspect') as never

/** One thing that happened in a client, on its clock (ms). */
export type InspectRecord =
  | { type: 'event'; event: AuthEvent; at: number }
  /** The session changed: its cause, and the order key of the session now held (null: none). */
  | { type: 'transition'; cause: Cause['type']; session: SessionKey | null; at: number }
  /** This tab took (`held`) or let go of a generation's refresh lock (none without Web Locks). */
  | { type: 'lock'; held: boolean; at: number }
  /**
   * An API refused a request's token (`unauthorized`: a 401 of `client.fetch`, or a
   * `refresh({ staleToken })`), then the fresh token its replay goes out with (`replayed`), or none
   * (`not_replayed`, with the error).
   */
  | { type: 'request'; outcome: 'unauthorized' | 'replayed' | 'not_replayed'; error?: unknown; at: number }

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

const CAUSES: ReadonlySet<string> = new Set(['logged_in', 'session_restored', 'session_adopted', 'refresh_succeeded', 'logged_out'])
const inspections = new WeakMap<object, Inspection>()

/**
 * The inspection of the client whose engine is `e` (what `client[INSPECT]` holds), made on first
 * use and shared by every reader. Only the devtools import this: it sets the engine's `tap`, and a
 * cause that is an event (transition.ts) is told as a transition too, before the event.
 */
export function inspect(e: Engine<JwtClaims>): Inspection {
  const made = inspections.get(e)
  if (made) return made
  const listeners = new Set<(record: InspectRecord) => void>()
  const tell = (record: InspectRecord) => listeners.forEach((listener) => listener(record))
  e.tap = (event) => {
    const at = e.env.now()
    if (CAUSES.has(event.type)) tell({ type: 'transition', cause: event.type as Cause['type'], session: e.session && keyOf(e.session), at })
    tell({ type: 'event', event, at })
  }
  // The lock and the replays are no events: the inspection wraps the two calls that make them, on
  // this engine only. The refresher calls `locks.refreshLock`, and client.fetch and
  // `refresh({ staleToken })` call `requests.refresh`, through these objects at call time.
  const { refreshLock } = e.locks
  e.locks.refreshLock = async (...args) => {
    const lock = await refreshLock(...args)
    if (!lock) return lock
    tell({ type: 'lock', held: true, at: e.env.now() })
    const release = lock.release
    lock.release = () => {
      release()
      tell({ type: 'lock', held: false, at: e.env.now() })
    }
    return lock
  }
  const { refresh } = e.requests
  e.requests.refresh = (staleToken) => {
    if (staleToken === undefined) return refresh(staleToken)
    const told = (outcome: 'unauthorized' | 'replayed' | 'not_replayed', error?: unknown) =>
      tell({ type: 'request', outcome, ...(error !== undefined && { error }), at: e.env.now() })
    told('unauthorized')
    return refresh(staleToken).then(
      (token) => {
        told('replayed')
        return token
      },
      (error: unknown) => {
        told('not_replayed', error)
        throw error
      },
    )
  }
  const inspection: Inspection = {
    listen(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    refreshStatus() {
      const { state } = e.refresher
      return { status: state.status, retryAt: state.status === 'retrying' ? state.at : null }
    },
    session: () => e.session && keyOf(e.session),
    storageKey: e.env.storageKey,
    options: e.options as AuthClientOptions<never>,
  }
  inspections.set(e, inspection)
  return inspection
}
