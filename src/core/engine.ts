// What one client is made of, shared by the modules that run it: the session transition
// (transition.ts), learning the session at start (startup.ts) and the client itself (client.ts).
import type { Environment } from './env'
import type { Ledger } from './ledger'
import type { TabLocks } from './lock'
import type { AuthClientOptions } from './options'
import type { PartSet } from './partSet'
import type { Refresher } from './refresher'
import type { RequestTokens } from './requestTokens'
import type { createScheduler } from './scheduler'
import type { StateCell } from './state'
import type { SessionStore } from './storage'
import type { TabSync } from './tabs'
import type { JwtClaims, Session } from './tokens'
import type { AuthEvent } from './types'

export interface Engine<TClaims extends JwtClaims> {
  readonly options: AuthClientOptions<TClaims>
  readonly env: Environment
  /** The state and its listeners. */
  readonly cell: StateCell<TClaims>
  /** The session this tab holds: changed only by `transition`. */
  session: Session<TClaims> | null
  /** Which session may replace which (ledger.ts). */
  readonly ledger: Ledger
  /** This tab's copy in sessionStorage (storage.ts). */
  readonly store: SessionStore<TClaims>
  /** Who may send which refresh token, and which sessions live tabs hold (lock.ts). */
  readonly locks: TabLocks
  /** The one refresh timer (scheduler.ts). */
  readonly scheduler: ReturnType<typeof createScheduler>
  /** The channel to the other tabs (tabs.ts). */
  readonly tabs: TabSync<TClaims>
  /** The refresh state machine (refresher.ts). */
  readonly refresher: Refresher<TClaims>
  /** Which token a request gets (requestTokens.ts). */
  readonly requests: RequestTokens<TClaims>
  /** The opt-in parts (partSet.ts). */
  readonly parts: PartSet
  emit(event: AuthEvent): void
  /** Hears every event before `onEvent`: set by the devtools only (inspect.ts). */
  tap: ((event: AuthEvent) => void) | null
  /**
   * Events raised while restoring inside getSnapshot (a React render) wait for start(): an
   * onEvent that sets React state must not run during another component's render.
   */
  deferring: boolean
  /** `start()` calls not yet paired with `stop()`. */
  starts: number
  /** Storage was read (first `getSnapshot`, `start` or request). */
  restored: boolean
  /** A cold start (`restore`) under way, once per tab. */
  restoring: Promise<void> | null
  /**
   * A valid session read from storage, until it is known that no other tab holds a newer pair (a
   * restored or seeded tab after a rotation): no request gets its token before then. `newer` is
   * asked of the tabs' markers as soon as it is read, so a tab alone finds out before it is asked.
   */
  unconfirmed: { session: Session<TClaims>; newer: Promise<boolean> } | null
}
