import type { LockManagerLike } from './lock'
import type { Timers } from './scheduler'

/** What the client lends a restore when nothing is stored and no other tab has a session. */
export interface SessionRestoreHost {
  storageKey: string
  locks: LockManagerLike | null
  timers: Timers
  /**
   * Asks the server once (`refresh` with `refreshToken: null`) and signs this tab in with the
   * answer, telling the other tabs: `'refused'` when the server said "not signed in" (400/401/403),
   * `'skipped'` when a session reached this tab meanwhile. Other failures throw.
   */
  restore(): Promise<'restored' | 'refused' | 'skipped'>
}

/**
 * `'done'`: this tab asked (it is signed in, or settled as signed out). `'elsewhere'`: another tab
 * was restoring at the same time and has finished: its session, if any, is this tab's for the
 * asking. `'signed_out'`: the server refused another tab's restore moments ago.
 */
export type RestoreOutcome = 'done' | 'elsewhere' | 'signed_out'

/** What `createAuthClient({ restore })` takes: `cookieRestore`. */
export type SessionRestore = (host: SessionRestoreHost) => Promise<RestoreOutcome>

// How long a refusal answers for the tabs that open after it: a browser restoring its windows
// opens them over a few seconds, and none of them needs to hear "not signed in" again.
const REFUSAL_KEPT = 10_000

/**
 * Cold start in cookie mode: with every tab closed the session is gone from sessionStorage, but
 * the HttpOnly refresh cookie may still be valid. Asks the server once, with no refresh token
 * (the server reads its cookie). Tabs that open together (a browser restoring its windows) take
 * turns on a Web Lock: one asks and, before it lets go, has signed in and told the others, or
 * left a marker that the server refused; the others then take its session or the marker's answer.
 * Pass it as `createAuthClient({ restore: cookieRestore })`; without it, none of this is bundled.
 */
export const cookieRestore: SessionRestore = async ({ storageKey, locks, timers, restore }) => {
  if (!locks) return restore().then(() => 'done')
  const name = `jwt-session:${storageKey}:restore`
  const refused = `${name}:refused`
  let failed = false
  let failure: unknown
  try {
    const { held = [] } = await locks.query()
    if (held.some((lock) => lock.name === refused)) return 'signed_out'
    const asked = await locks.request(name, { ifAvailable: true }, async (lock) => {
      if (!lock) return false
      try {
        if ((await restore()) === 'refused') await holdFor(locks, refused, REFUSAL_KEPT, timers)
      } catch (error) {
        failed = true
        failure = error
      }
      return true
    })
    if (!asked) {
      await locks.request(name, { mode: 'shared' }, () => {})
      return 'elsewhere'
    }
  } catch {
    return restore().then(() => 'done') // a lock manager that throws: this tab asks on its own
  }
  if (failed) throw failure
  return 'done'
}

/** Resolves once the shared lock `name` is granted; it is then held for `ms`. */
function holdFor(locks: LockManagerLike, name: string, ms: number, timers: Timers): Promise<void> {
  return new Promise<void>((granted) => {
    locks
      .request(name, { mode: 'shared' }, () => {
        granted()
        return new Promise<void>((release) => timers.setTimeout(release, ms))
      })
      .catch(() => granted())
  })
}
