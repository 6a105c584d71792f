import { classifyRefreshError, type AuthError } from './errors'
import type { LockManagerLike } from './lock'
import type { Timers } from './scheduler'
import type { TokenPair } from './tokens'

/** What the client lends a restore when nothing is stored and no other tab has a session. */
export interface SessionRestoreHost {
  storageKey: string
  locks: LockManagerLike | null
  timers: Timers
  /**
   * How long a tab waits for another tab's restore before taking its turn over: as long as the
   * refresh lock (`refreshTimeout` + 2 s), so a frozen, suspended or paused holder never stalls
   * every new tab.
   */
  maxWait: number
  /** True while this tab has no session and is not yet settled: a login or another tab's session ends the wish. */
  wanted(): boolean
  /** The client's refresh with no refresh token (the server reads its cookie): no lock, no refresh state. */
  refresh(): Promise<TokenPair>
  /** Signs this tab in with the restored pair and tells the other tabs. */
  signIn(tokens: TokenPair): void
  /** Asks the other tabs for their session again; false when there is no channel to ask on. */
  askOtherTabs(): boolean
  /** Resolves once the question to the other tabs is answered or timed out. */
  otherTabsSettled(): Promise<void>
  /** Settles as signed out; with the error when the server could not be asked. */
  signedOut(error?: AuthError): void
}

/** What `createAuthClient({ restore })` takes: `cookieRestore`. Resolves once this tab is settled. */
export type SessionRestore = (host: SessionRestoreHost) => Promise<void>

/**
 * `'done'`: this tab asked (it is signed in, or settled as signed out). `'elsewhere'`: another tab
 * was restoring at the same time and has finished: its session, if any, is this tab's for the
 * asking. `'signed_out'`: the server refused another tab's restore moments ago.
 */
type TurnOutcome = 'done' | 'elsewhere' | 'signed_out'

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
export const cookieRestore: SessionRestore = async (host) => {
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
 */
async function takeTurn(host: SessionRestoreHost): Promise<TurnOutcome> {
  const { storageKey, locks, timers, maxWait } = host
  if (!locks) return restoreOnce(host).then(() => 'done')
  const name = `jwt-session:${storageKey}:restore`
  const refused = `${name}:refused`
  // This tab's own request, once it has the turn. Kept apart from the lock, which a tab taking
  // over may steal: the request is then still this tab's to finish, never to send again.
  const turn: { asked?: Promise<void> } = {}
  const ask = (lock: unknown): boolean | Promise<boolean> => {
    if (!lock) return false
    turn.asked = restoreOnce(host).then(async (outcome) => {
      if (outcome === 'refused') await holdFor(locks, refused, REFUSAL_KEPT, timers)
    })
    return turn.asked.then(() => true)
  }
  try {
    const { held = [] } = await locks.query()
    if (held.some((lock) => lock.name === refused)) return 'signed_out'
    if (await locks.request(name, { ifAvailable: true }, ask)) return 'done'
    const holderOf = async () => (await locks.query()).held?.find((lock) => lock.name === name)?.clientId
    for (;;) {
      const holder = await holderOf()
      if (await grantedWithin(locks, name, maxWait, timers)) return 'elsewhere'
      // Held for `maxWait`: take it over, unless another tab got it meanwhile (maybe by the same
      // take-over): that one gets its own `maxWait`.
      if (holder === undefined || (await holderOf()) === holder) {
        await locks.request(name, { steal: true }, ask)
        return 'done'
      }
    }
  } catch {
    // This tab's turn was taken over (its request goes on), or a lock manager that throws: this
    // tab asks on its own.
    return (turn.asked ?? restoreOnce(host)).then(() => 'done')
  }
}

/** Waits for a shared grant of `name` (the tab holding it let go): false when `ms` pass first. */
async function grantedWithin(locks: LockManagerLike, name: string, ms: number, timers: Timers): Promise<boolean> {
  const controller = new AbortController()
  const timer = timers.setTimeout(() => controller.abort(), ms)
  try {
    await locks.request(name, { mode: 'shared', signal: controller.signal }, () => {})
    return true
  } catch (error) {
    if (controller.signal.aborted) return false
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
async function restoreOnce(host: SessionRestoreHost): Promise<'restored' | 'refused' | 'skipped'> {
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
