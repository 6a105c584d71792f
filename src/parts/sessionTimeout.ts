import type { AuthPart } from '../core/part'
import { deadline } from '../core/scheduler'
import { openTopic, type Topic } from '../core/topic'
import type { SessionExpiring } from '../core/types'

/** Options of `sessionTimeout()`. Each limit is off unless given; short values work as given. */
export interface SessionTimeoutOptions {
  /** End the session after this many ms without user input in any of its tabs. */
  idleTimeout?: number
  /** End the session this many ms after its login, however active; refreshes and other tabs carry the login time along. */
  maxSessionAge?: number
  /**
   * Warn (`session_expiring`, `state.expiring`) this many ms before either limit; default 0, no
   * warning. Give people at least 20 s to react (WCAG 2.2.1). Once the idle warning shows, only
   * `extend()` keeps the session: moving the mouse past the dialog does not dismiss it.
   */
  warnBefore?: number
  /** Where user input is heard. Default: pointer, key, wheel and touch input on the page, and the page becoming visible. */
  activityEvents?: ActivityEvents
}

/** Calls `onActivity` on user input; returns the function that stops listening. */
export type ActivityEvents = (onActivity: () => void) => () => void

/** What `createAuthClient({ timeout })` takes: made by `sessionTimeout()`. */
export type SessionTimeout = AuthPart

// How often a tab tells the others about input at most: a busy page sends a few messages a
// minute, not hundreds. Short idle limits (tests, demos) share activity proportionally sooner.
const SHARE_EVERY = 10_000
// Long enough for every tab to hear that the session ended before it would revoke it again.
const ELECTION_HOLD = 5_000
const ACTIVITY_INPUTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const

interface ActivityMessage {
  sessionId: string
  at: number
  extend: boolean
}

/**
 * Idle and absolute limits for the session, shared by every tab: input in any tab keeps all of
 * them alive, a tab that only refreshes in the background does not, and when a limit is reached
 * the session ends everywhere with reason `idle` or `max_age` (one tab revokes it on the server).
 * Pass it as `createAuthClient({ timeout: sessionTimeout({ … }) })`; an app that does not import
 * it carries none of it.
 */
export function sessionTimeout(options: SessionTimeoutOptions): SessionTimeout {
  const { idleTimeout, maxSessionAge, warnBefore = 0, activityEvents = defaultActivityEvents } = options
  for (const [name, value] of Object.entries({ idleTimeout, maxSessionAge, warnBefore })) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`sessionTimeout: ${name} must be a non-negative number of ms, not ${String(value)}`)
    }
  }

  return ({ env, session, patch, emit, end: endSession }) => {
    const { now, timers } = env
    let running = false
    let stopActivity = () => {}
    let activity: Topic<ActivityMessage> | null = null
    let sessionId: string | null = null
    // Client-clock ms of the newest input in any tab of this login; a login or a tab that opens counts.
    let lastActivity = 0
    // When this login began on this tab's clock: fixed once seen, so a re-measured skew after a
    // refresh does not move the end (and the warning) by a few ms.
    let startedAt = 0
    let lastShared = -Infinity
    let shareTimer: unknown = null
    let cancelCheck: (() => void) | null = null
    let warned: SessionExpiring | null = null
    let ending = false

    const shareEvery = Math.min(SHARE_EVERY, (idleTimeout ?? 0) / 10)

    function share(extend = false): void {
      if (!activity?.open || !sessionId) return
      if (shareTimer !== null) timers.clearTimeout(shareTimer)
      shareTimer = null
      const wait = lastShared + shareEvery - now()
      if (extend || wait <= 0) {
        lastShared = now()
        activity.post({ sessionId, at: lastActivity, extend })
      } else {
        // The last input of a busy spell still reaches the others, at the end of the spell.
        shareTimer = timers.setTimeout(() => share(), wait)
      }
    }

    function heard({ sessionId: id, at, extend }: Partial<ActivityMessage>): void {
      // Other logins' or stale messages, and times from the future (no tab can have input ahead of now), are ignored.
      if (id !== sessionId || typeof at !== 'number' || !(at > lastActivity) || at > now() || endedByClock()) return
      if (warned?.reason === 'idle' && extend !== true) return
      lastActivity = at
      if (extend === true) check()
    }

    function onActivity(): void {
      if (!sessionId || endedByClock() || warned?.reason === 'idle') return
      lastActivity = now()
      share()
    }

    /**
     * Ends the session if a limit passed while no timer ran (a sleeping laptop, a frozen tab):
     * input after the lid opens must not extend a session that is already over. True then.
     */
    function endedByClock(): boolean {
      const limit = sessionId && !ending ? nextLimit() : null
      if (!limit || limit.at > now()) return false
      end(limit.reason)
      return true
    }

    /** The limit met first, or null when none applies. */
    function nextLimit(): SessionExpiring | null {
      const idle: SessionExpiring | null = idleTimeout ? { reason: 'idle', at: lastActivity + idleTimeout } : null
      const maxAge: SessionExpiring | null = maxSessionAge ? { reason: 'max_age', at: startedAt + maxSessionAge } : null
      return !idle || (maxAge && maxAge.at <= idle.at) ? maxAge : idle
    }

    function setWarning(next: SessionExpiring | null): void {
      if (next?.reason === warned?.reason && next?.at === warned?.at) return
      warned = next
      patch({ expiring: next })
      if (next) emit({ type: 'session_expiring', ...next })
    }

    function check(): void {
      cancelCheck?.()
      cancelCheck = null
      const current = session()
      if (current?.sessionId !== sessionId) {
        // A session that appears here (a login, another tab's, a reload) starts this tab's idle
        // clock, without telling the others: only input does, so a page that reloads itself does
        // not keep the session alive in every tab. Signed out, nothing is planned.
        sessionId = current?.sessionId ?? null
        startedAt = current?.signedInAt ?? 0
        lastActivity = now()
        ending = false
        setWarning(null)
      }
      const limit = current && nextLimit()
      if (!limit || ending) return setWarning(null)
      const left = limit.at - now()
      if (left <= 0) return end(limit.reason)
      setWarning(left <= warnBefore ? limit : null)
      // In steps against the clock: a 30-day limit is past setTimeout's range, and a suspended laptop misses timers.
      cancelCheck = deadline(env.timers, now, warned ? limit.at : limit.at - warnBefore, check)
    }

    function end(reason: SessionExpiring['reason']): void {
      ending = true
      setWarning(null)
      const name = `jwt-session:${env.storageKey}:timeout:${sessionId}`
      const revoke = endSession(reason)
      if (!revoke) return
      if (!env.locks) return void revoke()
      // Tabs that reach the limit before they hear that another one did: the one that gets this
      // lock revokes, and keeps it a while so that a tab a little late does not revoke again.
      env.locks
        .request(name, { ifAvailable: true }, async (lock) => {
          if (!lock) return
          await revoke()
          await new Promise<void>((resolve) => timers.setTimeout(resolve, ELECTION_HOLD))
        })
        .catch(revoke)
    }

    return {
      start() {
        running = true
        sessionId = null // a tab that starts (a reload, a remount) counts as activity: see check()
        // Where the browser refuses a channel, the limits still hold in this tab alone.
        activity = idleTimeout ? openTopic<ActivityMessage>(env, 'activity', 1, heard) : null
        stopActivity = activityEvents(onActivity)
      },
      // The session may have changed, or the page woke up: ends it if a limit has passed, else
      // re-plans the warning and the end.
      onSession: check,
      onWake: check,
      extend() {
        if (!running || !sessionId || ending || endedByClock()) return
        lastActivity = now()
        share(true)
        check() // lifts an idle warning; a max_age one stays as it is
      },
      stop() {
        running = false
        stopActivity()
        activity?.close()
        activity = null
        cancelCheck?.()
        if (shareTimer !== null) timers.clearTimeout(shareTimer)
        cancelCheck = shareTimer = null
      },
    }
  }
}

export const defaultActivityEvents: ActivityEvents = (onActivity) => {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => {}
  const onVisible = () => document.visibilityState === 'visible' && onActivity()
  const options = { capture: true, passive: true }
  ACTIVITY_INPUTS.forEach((type) => window.addEventListener(type, onActivity, options))
  document.addEventListener('visibilitychange', onVisible)
  return () => {
    ACTIVITY_INPUTS.forEach((type) => window.removeEventListener(type, onActivity, options))
    document.removeEventListener('visibilitychange', onVisible)
  }
}
