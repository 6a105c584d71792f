import { AuthError } from './errors'
import { sessionChanged } from './sameLogin'
import type { RefreshState } from './refresher'
import { refreshLead } from './scheduler'
import type { JwtClaims, Session } from './tokens'

// Access tokens of the current login this tab has held, newest last: how a 401's stale token is
// known to belong to the session now held (replay allowed) or to an earlier one (refused).
const RECENT_TOKENS = 8

/** What the request side needs from the client that owns the session. */
export interface RequestTokensHost<TClaims extends JwtClaims> {
  session(): Session<TClaims> | null
  refreshState(): RefreshState
  /** Resolves once the session is known: storage read, the other tabs asked, an expired copy refreshed. */
  settle(): Promise<void>
  /** A session read from storage that the other tabs have not confirmed yet (a newer pair may exist). */
  unconfirmed(): Session<TClaims> | null
  /** Resolves once that session may be used: no tab holds a newer one, or they answered (bounded by `handoffTimeout`). */
  confirm(): Promise<void>
  /** Starts the one refresh, or joins the one in flight. */
  refresh(): Promise<Session<TClaims>>
  /** The API refused the token and the server refused its refresh: nothing can renew the session. */
  rejected(error: AuthError): void
}

/**
 * Which access token a request gets, and whether a refused one may be replayed. A token not yet
 * due for a refresh is used at once (the per-request hot path); otherwise the request waits for
 * the session this tab is learning (a stored copy: until no other tab has a newer one), then for
 * a refresh. A replay after a 401 goes out only under the login its request was composed for:
 * otherwise `session_changed`.
 */
export function createRequestTokens<TClaims extends JwtClaims>(host: RequestTokensHost<TClaims>, leadTime: number, now: () => number) {
  let family: string | null = null
  let recent: string[] = []

  /** The access token when it is not yet due for a refresh and not a stored copy the other tabs may have replaced. */
  function fresh(): string | null {
    const session = host.session()
    return session && session !== host.unconfirmed() && now() < session.expiresAt - refreshLead(session, leadTime)
      ? session.accessToken
      : null
  }

  return {
    fresh,
    /** Records a token this tab now holds; a new login forgets the earlier login's tokens. */
    saw(next: Session<TClaims>): void {
      recent = [...(next.family === family ? recent : []), next.accessToken].slice(-RECENT_TOKENS)
      family = next.family
    },
    forget(): void {
      family = null
      recent = []
    },
    async get(): Promise<string | null> {
      const token = fresh()
      if (token !== null) return token
      await host.settle() // a new tab's session may be on its way from another tab
      await host.confirm() // a restored or seeded tab's: another tab may hold a newer pair
      const adopted = fresh()
      const session = host.session()
      if (adopted !== null || !session) return adopted
      if (host.refreshState().status === 'rejected') return session.expiresAt > now() ? session.accessToken : null
      try {
        return (await host.refresh()).accessToken
      } catch (error) {
        // A token inside the lead window is still good while a transient failure is retried.
        const current = host.session()
        if (current && current.expiresAt > now()) return current.accessToken
        throw error
      }
    },
    async refresh(staleToken: string | undefined): Promise<string> {
      const session = host.session()
      if (staleToken !== undefined) {
        // A replay may only go out under the login its request was composed for.
        if (!session) throw new AuthError('unauthenticated', 'No session to refresh.')
        if (!recent.includes(staleToken)) throw sessionChanged()
        if (session.accessToken !== staleToken) return session.accessToken
      }
      try {
        const next = await host.refresh()
        if (staleToken !== undefined && next.family !== session?.family) throw sessionChanged()
        return next.accessToken
      } catch (error) {
        const refused = host.refreshState()
        if (refused.status === 'rejected' && staleToken !== undefined && host.session()?.accessToken === staleToken) {
          host.rejected(refused.error)
        }
        throw error
      }
    },
  }
}

export type RequestTokens<TClaims extends JwtClaims> = ReturnType<typeof createRequestTokens<TClaims>>
