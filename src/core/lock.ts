import type { Timers } from './scheduler'
import { isNewer, parseKey, type SessionKey } from './tokens'

/** The part of `navigator.locks` the client uses. */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { mode?: 'exclusive' | 'shared'; ifAvailable?: boolean; steal?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<T> | T,
  ): Promise<T>
  query(): Promise<{ held?: { name?: string; clientId?: string }[] }>
}

export function defaultLocks(): LockManagerLike | null {
  return typeof navigator !== 'undefined' && navigator.locks ? (navigator.locks as LockManagerLike) : null
}

type RequestOptions = Parameters<LockManagerLike['request']>[1]

/** The tab (`clientId`) holding `name` now, if any. */
export async function holderOf(locks: LockManagerLike, name: string): Promise<string | undefined> {
  return (await locks.query()).held?.find((lock) => lock.name === name)?.clientId
}

/**
 * Steals `name` from `holder` (undefined: nobody was seen holding it), who held it too long, with
 * `steal`; null when another tab got it meanwhile or is taking it over now. One tab at a time takes
 * over, on a lock of its own kept until `steal` settles: two tabs that waited out the same holder
 * could otherwise both read it before either stole, and both steal.
 */
export function takeOver<T>(locks: LockManagerLike, name: string, holder: string | undefined, steal: () => Promise<T>): Promise<T | null> {
  return locks.request(`${name}:takeover`, { ifAvailable: true }, async (turn) =>
    turn && (holder === undefined || (await holderOf(locks, name)) === holder) ? steal() : null,
  )
}

/** A granted lock, kept until `release()`; `stolen` turns true when another tab steals it. */
export interface HeldLock {
  release(): void
  stolen: boolean
}

/**
 * The cross-tab locks of one session key; the browser releases all of them when a tab closes.
 * - `refresh:<family>:<gen>`: exclusive, held by the tab sending that generation's refresh token
 *   until the new pair is stored, marked and broadcast. A holder that keeps it past `maxWait`
 *   (a frozen tab, a debugger) has it stolen, so one stuck tab never stalls the others.
 * - `gen:<login>:<since>:<family>:<gen>`: shared, held by every tab for the session it holds. A
 *   tab about to refresh sees in `query()` that a newer session exists somewhere: a signal that
 *   cannot arrive late, unlike the broadcast that carries the newer pair.
 * Where Web Locks are missing or failing, every tab stands alone: refreshes are serialised within
 * the tab and the markers report nothing.
 */
export function createTabLocks(locks: LockManagerLike | null, storageKey: string, timers: Timers) {
  const prefix = `jwt-session:${storageKey}:`
  let broken = !locks
  let marker: { key: SessionKey; granted: Promise<void>; lock: HeldLock | null } | null = null

  /** Runs `request`; a lock manager that throws counts as absent from now on. */
  async function withLocks<T>(request: (locks: LockManagerLike) => Promise<T>, fallback: T, signal?: AbortSignal): Promise<T> {
    if (broken) return fallback
    try {
      return await request(locks!)
    } catch (error) {
      if (signal?.aborted) throw error // our own caller gave up: the manager is fine
      broken = true
      return fallback
    }
  }

  /** Resolves once granted (null when `ifAvailable` finds it taken) and keeps the lock until released. */
  function acquire(locks: LockManagerLike, name: string, options: RequestOptions): Promise<HeldLock | null> {
    return new Promise((resolve, reject) => {
      const held: HeldLock = { release() {}, stolen: false }
      const request = locks.request(name, options, (lock) => {
        if (!lock) return resolve(null)
        return new Promise<void>((release) => {
          held.release = release
          resolve(held)
        })
      })
      // Before the grant: the manager failed or the wait was aborted. After it: a steal.
      request.catch((error: unknown) => {
        held.stolen = true
        reject(error)
      })
    })
  }

  return {
    /**
     * The refresh lock of `from`'s generation: at once if free, else after the tab holding it
     * lets go, else — once `maxWait` has passed — stolen. `null` without working Web Locks.
     */
    async refreshLock(from: SessionKey, maxWait: number, signal: AbortSignal): Promise<HeldLock | null> {
      const name = `${prefix}refresh:${from.family}:${from.gen}`
      return withLocks(
        async (locks) => {
          const free = await acquire(locks, name, { ifAvailable: true })
          if (free) return free
          for (;;) {
            const holder = await holderOf(locks, name)
            const controller = new AbortController()
            const stopWaiting = () => controller.abort()
            signal.addEventListener('abort', stopWaiting)
            const timer = timers.setTimeout(stopWaiting, maxWait)
            try {
              return await acquire(locks, name, { signal: controller.signal })
            } catch (error) {
              if (!controller.signal.aborted || signal.aborted) throw error
            } finally {
              timers.clearTimeout(timer)
              signal.removeEventListener('abort', stopWaiting)
            }
            // Stuck for `maxWait`: take it over, unless another tab got it meanwhile (maybe by the
            // same take-over): that one gets its own `maxWait`.
            const stolen = await takeOver(locks, name, holder, () => acquire(locks, name, { steal: true }))
            if (stolen) return stolen
          }
        },
        null,
        signal,
      )
    },

    /** Whether some tab holds a session newer than `key` (so `key`'s refresh token is spent or superseded). */
    newerThan(key: SessionKey): Promise<boolean> {
      return withLocks(async (locks) => {
        const { held = [] } = await locks.query()
        return held.some(({ name }) => {
          if (!name?.startsWith(`${prefix}gen:`)) return false
          const [login, since, family, gen] = name.slice(prefix.length + 4).split(':')
          const other = parseKey({ family, login: Number(login), since: Number(since), gen: Number(gen) })
          return other !== null && isNewer(other, key)
        })
      }, false)
    },

    /**
     * Whether any tab may hold a session of this key: some tab holds a marker, or Web Locks cannot
     * tell (missing or failing), so the caller must still wait for the tabs to answer.
     */
    mayBeHeld(): Promise<boolean> {
      return withLocks(async (locks) => {
        const { held = [] } = await locks.query()
        return held.some(({ name }) => name?.startsWith(`${prefix}gen:`))
      }, true)
    },

    /** Holds the marker of the session this tab now holds (null: none); resolves once it is granted. */
    holdSession(key: SessionKey | null): Promise<void> {
      if (marker && key && marker.key.family === key.family && marker.key.gen === key.gen) return marker.granted
      const previous = marker
      const mine: NonNullable<typeof marker> | null = key && { key, granted: Promise.resolve(), lock: null }
      marker = mine
      if (!mine) return Promise.resolve(previous?.lock?.release())
      const { login, since, family, gen } = mine.key
      mine.granted = withLocks(async (locks) => {
        const lock = await acquire(locks, `${prefix}gen:${login}:${since}:${family}:${gen}`, { mode: 'shared' })
        // The session changed again while the marker was being granted.
        if (marker !== mine) lock?.release()
        else mine.lock = lock
      }, undefined).finally(() => previous?.lock?.release())
      return mine.granted
    },
  }
}

export type TabLocks = ReturnType<typeof createTabLocks>
