import { lifetimeOf, type Session } from './tokens'

/** Timer functions, injectable so tests drive time; defaults call the globals at call time. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
}

export const defaultTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
}

/**
 * The longest single timeout we arm. Browsers overflow above 2^31−1 ms (a 30-day timeout fires at
 * once), and timers stop while a laptop sleeps or a background tab is throttled; waking in short
 * steps and comparing against the wall clock notices a missed deadline within one step.
 */
export const CHECK_STEP = 30_000

/**
 * Runs `run` once `now()` reaches `at`: armed in steps of at most `CHECK_STEP` and checked against
 * the clock at each, so a wait of days neither overflows nor sleeps through a suspended laptop.
 * Every long wait in the library goes through here or through `createScheduler`. Returns the cancel.
 */
export function deadline(timers: Timers, now: () => number, at: number, run: () => void): () => void {
  let timer: unknown = null
  const step = () => {
    const left = at - now()
    if (left <= 0) return run()
    timer = timers.setTimeout(step, Math.min(left, CHECK_STEP))
  }
  timer = timers.setTimeout(step, Math.max(0, Math.min(at - now(), CHECK_STEP)))
  return () => timers.clearTimeout(timer)
}

/** One deadline at a time, met against the wall clock rather than trusted to a single timer. */
export function createScheduler(timers: Timers, now: () => number) {
  let deadline = 0
  let task: (() => void) | null = null
  let timer: unknown = null

  function cancel(): void {
    timers.clearTimeout(timer)
    task = null
  }

  function arm(): void {
    timer = timers.setTimeout(check, Math.max(0, Math.min(deadline - now(), CHECK_STEP)))
  }

  /** Runs the task if its time has come (a late timer, a wake-up); otherwise re-arms. */
  function check(): void {
    const run = task
    if (!run) return
    cancel()
    if (now() >= deadline) return run()
    task = run
    arm()
  }

  return {
    /** Replaces the planned task; it runs asynchronously even when `time` has passed. */
    at(time: number, run: () => void): void {
      cancel()
      deadline = time
      task = run
      arm()
    },
    check,
    cancel,
  }
}

/**
 * How long before expiry to refresh. Capped at a third of the token's lifetime so a 10-second
 * token refreshes at about 6–7 s instead of at once in a loop.
 */
export function refreshLead(session: Session, leadTime: number): number {
  return Math.max(0, Math.min(leadTime, lifetimeOf(session) / 3))
}

/**
 * When to refresh: before the lead window, less a random part of it so several tabs holding the
 * same token do not all reach for the refresh lock at the same moment.
 */
export function refreshTime(session: Session, leadTime: number, random: () => number): number {
  const lead = refreshLead(session, leadTime)
  return session.expiresAt - lead - random() * (lead / 2)
}

const BACKOFF_BASE = 1_000
const BACKOFF_CAP = 60_000

/** Capped exponential backoff with jitter (50–100 % of the step), attempt counted from 1. */
export function backoffDelay(attempt: number, random: () => number): number {
  const step = Math.min(BACKOFF_CAP, BACKOFF_BASE * 2 ** Math.min(attempt - 1, 16))
  return step / 2 + random() * (step / 2)
}

/** Settles with `work`, or calls `onTimeout` and rejects with what it returns after `ms`. */
export function withTimeout<T>(work: Promise<T>, ms: number, timers: Timers, onTimeout: () => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = timers.setTimeout(() => reject(onTimeout()), ms)
    work.then(resolve, reject).finally(() => timers.clearTimeout(timer))
  })
}
