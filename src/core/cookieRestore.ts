import type { LockManagerLike } from './lock'
import type { TokenPair } from './tokens'

/** What the client lends a restore when nothing is stored and no other tab has a session. */
export interface SessionRestoreHost {
  storageKey: string
  locks: LockManagerLike | null
  /** The client's `refresh` for a session it does not hold yet (`refreshToken: null`), with its timeout. */
  refresh(): Promise<TokenPair>
}

/**
 * A pair to sign in with, `null` for "not signed in", or `'elsewhere'`: another tab was restoring
 * at the same time and has finished (its session, if any, reaches this tab from that tab).
 */
export type RestoreOutcome = TokenPair | null | 'elsewhere'

/** What `createAuthClient({ restore })` takes: `cookieRestore`. */
export type SessionRestore = (host: SessionRestoreHost) => Promise<RestoreOutcome>

/**
 * Cold start in cookie mode: with every tab closed the session is gone from sessionStorage, but
 * the HttpOnly refresh cookie may still be valid. Calls `refresh` once with no refresh token (the
 * server reads its cookie). Tabs that open together (a browser restoring its windows) take turns
 * on a Web Lock: one asks the server, the others wait for it and then ask it for the session.
 * Pass it as `createAuthClient({ restore: cookieRestore })`; without it, none of this is bundled.
 */
export const cookieRestore: SessionRestore = async ({ storageKey, locks, refresh }) => {
  if (!locks) return refresh()
  const name = `jwt-session:${storageKey}:restore`
  let outcome: { pair: TokenPair } | { error: unknown } | null
  try {
    outcome = await locks.request(name, { ifAvailable: true }, (lock) =>
      lock
        ? refresh().then(
            (pair) => ({ pair }),
            (error: unknown) => ({ error }),
          )
        : null,
    )
    if (!outcome) {
      await locks.request(name, { mode: 'shared' }, () => {})
      return 'elsewhere'
    }
  } catch {
    return refresh() // a lock manager that throws: this tab asks on its own
  }
  if ('error' in outcome) throw outcome.error
  return outcome.pair
}
