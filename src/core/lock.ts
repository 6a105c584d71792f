import { AuthError } from './errors'
import type { Timers } from './scheduler'

/** The part of `navigator.locks` the client uses. */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<T> | T,
  ): Promise<T>
}

export function defaultLocks(): LockManagerLike | null {
  return typeof navigator !== 'undefined' && navigator.locks ? (navigator.locks as LockManagerLike) : null
}

/**
 * Runs `task` while holding the cross-tab lock `name`. `task` learns whether another tab held the
 * lock first (it may just have refreshed). The wait is bounded; a lock whose tab closed is
 * released by the browser. Without Web Locks the task runs at once: each tab stands alone.
 */
export async function withLock<T>(
  locks: LockManagerLike | null,
  name: string,
  maxWait: number,
  timers: Timers,
  task: (contended: boolean) => Promise<T>,
): Promise<T> {
  if (!locks) return task(false)
  const NOT_FREE = Symbol('not free')
  const first = await locks.request<T | typeof NOT_FREE>(name, { ifAvailable: true }, (lock) =>
    lock ? task(false) : NOT_FREE,
  )
  if (first !== NOT_FREE) return first as T

  const controller = new AbortController()
  const timer = timers.setTimeout(() => controller.abort(), maxWait)
  try {
    return await locks.request(name, { signal: controller.signal }, () => {
      timers.clearTimeout(timer)
      return task(true)
    })
  } catch (error) {
    if (controller.signal.aborted) {
      throw new AuthError('refresh_failed', 'Timed out waiting for another tab to finish its refresh.')
    }
    throw error
  } finally {
    timers.clearTimeout(timer)
  }
}
