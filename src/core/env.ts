// The browser as the engine and its parts use it, resolved once from the options: clock, timers,
// storage, locks, wake events and the channel factory. Parts open their topics with `openTopic`
// (topic.ts) and arm long waits with `deadline` (scheduler.ts) on this environment, so no part
// rewrites that plumbing (and its guards) again.
import { checkOrigins } from './origins'
import { defaultLocks, type LockManagerLike } from './lock'
import { defaultTimers, type Timers } from './scheduler'
import { defaultStorage, type StorageLike } from './storage'
import { defaultChannel, type ChannelFactory } from './tabs'
import { DEFAULT_STORAGE_KEY } from './tokens'
import { defaultWakeEvents, type WakeEvents } from './wakeEvents'

export interface Environment {
  /** Names the storage entry, the channels and the locks of this session. */
  storageKey: string
  /** This tab's sessionStorage, looked up on use (there may be none yet: a server render); null: memory only. */
  storage(): StorageLike | null
  now(): number
  timers: Timers
  random(): number
  /** Web Locks; null: every tab stands alone. */
  locks: LockManagerLike | null
  /** Opens the session's own channel; null: this tab stands alone. */
  channel: ChannelFactory | null
  wakeEvents: WakeEvents
  /** How long a tab waits for another tab's answer, in ms (`handoffTimeout`). */
  handoffTimeout: number
}

/** What the environment is resolved from: these options of `createAuthClient` (options.ts documents them). */
interface EnvironmentOptions {
  storageKey?: string
  storage?: StorageLike | null
  now?: () => number
  timers?: Timers
  random?: () => number
  locks?: LockManagerLike | null
  channel?: ChannelFactory | null
  wakeEvents?: WakeEvents
  handoffTimeout?: number
  allowedOrigins?: string[]
  allowInsecureHttp?: boolean
}

export function createEnvironment(options: EnvironmentOptions): Environment {
  if (options.allowedOrigins) checkOrigins(options.allowedOrigins, options.allowInsecureHttp)
  const storageKey = options.storageKey ?? DEFAULT_STORAGE_KEY
  const now = options.now ?? Date.now
  const timers = options.timers ?? defaultTimers
  return {
    storageKey,
    storage: () => (options.storage === undefined ? defaultStorage() : options.storage),
    now,
    timers,
    random: options.random ?? Math.random,
    locks: options.locks === undefined ? defaultLocks() : options.locks,
    channel: options.channel === undefined ? defaultChannel : options.channel,
    wakeEvents: options.wakeEvents ?? defaultWakeEvents,
    handoffTimeout: options.handoffTimeout ?? 300,
  }
}
