import { classifyRefreshError, type AuthError } from '../core/errors'
import { holderOf, takeOver, type LockManagerLike } from '../core/lock'
import type { Timers } from '../core/scheduler'
import type { AuthPart, ColdStartContext } from '../core/part'

/** What `createAuthClient({ restore })` takes: `cookieRestore`. */
export type SessionRestore = AuthPart

/** What the cold start needs: the client's cold-start view and the environment's locks, timers and clock. */
interface RestoreHost extends Omit<ColdStartContext, 'maxWait'> {
  storageKey: string
  locks: LockManagerLike | null
  timers: Timers
  now(): number
  maxWait: number
}

/**
 * `'done'`: this tab asked (it is signed in, or settled as signed out). `'elsewhere'`: another tab
 * asked moments ago: its session, if any, is this tab's for the asking. `'signed_out'`: the server
 * refused another tab's restore moments ago.
 */
type TurnOutcome = 'done' | 'elsewhere' | 'signed_out'

// How long the outcome of a restore answers for the tabs that open after it: a browser restoring
// its windows opens them over a few seconds, and none of them needs to ask the server again.
const OUTCOME_KEPT = 10_000

/**
 * Cold start in cookie mode: with every tab closed the session is gone from sessionStorage, but
 * the HttpOnly refresh cookie may still be valid. Asks the server once, with no refresh token
 * (the server reads its cookie). Tabs that open together (a browser restoring its windows) take
 * turns on a Web Lock: one asks and, before it lets go, leaves a marker that it asked (having signed
 * in and told the others, or failed) or that the server refused; the others then take its session
 * or the marker's answer. A turn let go with no marker (its tab closed, or a tab froze as it was
 * let in) is no answer: the next tab asks.
 * Pass it as `createAuthClient({ restore: cookieRestore })`; without it, none of this is bundled.
 */
export const cookieRestore: SessionRestore = ({ env, coldStart }) => ({
  coldStart: () =>
    restoreSession({
      ...coldStart,
      storageKey: env.storageKey,
      locks: env.locks,
      timers: env.timers,
      now: env.now,
      maxWait: coldStart.maxWait(),
    }),
})

async function restoreSession(host: RestoreHost): Promise<void> {
  let outcome: TurnOutcome
  try {
    outcome = await takeTurn(host)
  } catch (caught) {
    if (host.wanted()) host.signedOut(caught as AuthError)
    return
  }
  if (!host.wanted()) return // a login, or another tab's session, came first
  if (outcome === 'elsewhere' && host.askOtherTabs()) return host.otherTabsSettled()
  host.signedOut()
}

/**
 * The tabs' turns on the Web Lock: this tab asks the server, or learns what the tab that asked
 * found. A turn held past `maxWait` is taken over, as a refresh lock is (lock.ts).
 *
 * A waiting tab is let in by a shared grant of the turn, which only says that no tab holds it
 * exclusively: also true when the tab before closed before it marked, or when a tab let in that way
 * froze (its locks stay held, and the next tab is let in at once). So the grant is read with the
 * markers: no marker, no answer, and this tab waits for the turn itself.
 */
async function takeTurn(host: RestoreHost): Promise<TurnOutcome> {
  const { storageKey, locks, timers, maxWait, now } = host
  if (!locks) return restoreOnce(host).then(() => 'done')
  const name = `jwt-session:${storageKey}:restore`
  const refused = `${name}:refused`
  const asked = `${name}:asked`
  // This tab's own request, once it has the turn. Kept apart from the lock, which a tab taking
  // over may steal: the request is then still this tab's to finish, never to send again.
  const turn: { asked?: Promise<void> } = {}
  const ask = (lock: unknown): boolean | Promise<boolean> => {
    if (!lock) return false
    // Marked before the turn is let go. 'skipped': this tab has a session from a login or another
    // tab, and the tabs answer with it. A failure: the waiting tabs settle as today's answer, unasked.
    turn.asked = restoreOnce(host).then(
      (outcome) => mark(outcome === 'refused' ? refused : asked),
      async (error: unknown) => {
        await mark(asked)
        throw error
      },
    )
    return turn.asked.then(() => true)
  }
  // A marker's name says until when it answers: a frozen tab keeps its locks, not its timers.
  const mark = (marker: string) => holdFor(locks, `${marker}@${now() + OUTCOME_KEPT}`, OUTCOME_KEPT, timers)
  // The outcome a restore left moments ago, if any.
  const marked = async (): Promise<TurnOutcome | null> => {
    const { held = [] } = await locks.query()
    const answers = (marker: string) =>
      held.some(({ name: held = '' }) => held.startsWith(`${marker}@`) && Number(held.slice(marker.length + 1)) > now())
    if (answers(refused)) return 'signed_out'
    return answers(asked) ? 'elsewhere' : null
  }
  // A turn this tab waited for: a tab that had it meanwhile may have left the answer.
  const take = async (lock: unknown): Promise<TurnOutcome> => (await marked()) ?? (await ask(lock), 'done')
  // A turn free at once, or taken over from a tab stuck with it: a refusal of the last 10 s still
  // answers, read once the turn is this tab's (read before, it could miss a refusal marked in
  // between). Anything else is asked again: a tab stuck with the turn may have asked, but cannot
  // hand the session on.
  const takeUnlessRefused = async (lock: unknown): Promise<TurnOutcome | null> => {
    if (!lock) return null
    return (await marked()) === 'signed_out' ? 'signed_out' : (await ask(lock), 'done')
  }
  try {
    const first = await locks.request(name, { ifAvailable: true }, takeUnlessRefused)
    if (first) return first
    // Let in beside others (shared) to read the outcome; let in with none to read, the turn itself (exclusive).
    let mode: 'shared' | 'exclusive' = 'shared'
    for (;;) {
      const holder = await holderOf(locks, name)
      const outcome = await grantedWithin(locks, name, mode, maxWait, timers, mode === 'shared' ? marked : take)
      if (outcome) return outcome
      if (outcome === null) {
        mode = 'exclusive'
        continue
      }
      // Held for `maxWait`: take it over, unless another tab got it meanwhile (maybe by the same
      // take-over): that one gets its own `maxWait`.
      const stolen = await takeOver(locks, name, holder, () => locks.request(name, { steal: true }, takeUnlessRefused))
      if (stolen) return stolen
    }
  } catch {
    // This tab's turn was taken over (its request goes on), or a lock manager that throws: this
    // tab asks on its own.
    return (turn.asked ?? restoreOnce(host)).then(() => 'done')
  }
}

/** Waits for a grant of `name` and returns what `withLock` makes of it: false when `ms` pass before the grant. */
async function grantedWithin<T>(
  locks: LockManagerLike,
  name: string,
  mode: 'shared' | 'exclusive',
  ms: number,
  timers: Timers,
  withLock: (lock: unknown) => Promise<T>,
): Promise<T | false> {
  const controller = new AbortController()
  const timer = timers.setTimeout(() => controller.abort(), ms)
  let granted = false
  try {
    return await locks.request(name, { mode, signal: controller.signal }, (lock) => {
      granted = true // from here on, a failure is this turn's own
      timers.clearTimeout(timer)
      return withLock(lock)
    })
  } catch (error) {
    if (!granted && controller.signal.aborted) return false
    throw error
  } finally {
    timers.clearTimeout(timer)
  }
}

/**
 * The cold start's one request: signs in with the answer (`'restored'`), or says the server
 * refused (`'refused'`: 400/401/403 only means "not signed in"), or that a session reached this
 * tab meanwhile (`'skipped'`: a login's session stays). Any other failure is worth telling: thrown.
 */
async function restoreOnce(host: RestoreHost): Promise<'restored' | 'refused' | 'skipped'> {
  if (!host.wanted()) return 'skipped'
  try {
    const tokens = await host.refresh()
    if (!host.wanted()) return 'skipped'
    host.signIn(tokens)
    return 'restored'
  } catch (caught) {
    const error = classifyRefreshError(caught)
    if (error.code !== 'refresh_rejected') throw error
    return 'refused'
  }
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
