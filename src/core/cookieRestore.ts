import { classifyRefreshError, type AuthError } from './errors'
import type { LockManagerLike } from './lock'
import type { Timers } from './scheduler'
import type { TokenPair } from './tokens'

/** What the client lends a restore when nothing is stored and no other tab has a session. */
export interface SessionRestoreHost {
  storageKey: string
  locks: LockManagerLike | null
  timers: Timers
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

/** The tabs' turns on the Web Lock: this tab asks the server, or learns what the tab that asked found. */
async function takeTurn(host: SessionRestoreHost): Promise<TurnOutcome> {
  const { storageKey, locks, timers } = host
  if (!locks) return restoreOnce(host).then(() => 'done')
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
        if ((await restoreOnce(host)) === 'refused') await holdFor(locks, refused, REFUSAL_KEPT, timers)
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
    return restoreOnce(host).then(() => 'done') // a lock manager that throws: this tab asks on its own
  }
  if (failed) throw failure
  return 'done'
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
