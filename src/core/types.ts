// The vocabulary every module of the library shares: the state, its events, why a session ends,
// what `refresh` and `revoke` get. It sits below the engine and the opt-in parts and imports
// neither, so no part's import leads back to itself.
import type { AuthError } from './errors'
import type { StepUpChallenge } from './challenge'
import type { JwtClaims } from './tokens'

/** Wraps a fetch so that each request carries a DPoP proof (and `Authorization: Bearer` becomes `DPoP`). */
export type DpopSigner = (base: typeof fetch) => typeof fetch

/** `initializing` until the session is known (storage read, expired token refreshed, or another tab asked). */
export type AuthStatus = 'initializing' | 'authenticated' | 'unauthenticated'

/** One immutable snapshot; a new object only when one of its fields changes. */
export interface AuthState<TClaims extends JwtClaims = JwtClaims> {
  status: AuthStatus
  accessToken: string | null
  claims: TClaims | null
  /** When the access token expires, in client-clock ms (skew-corrected). */
  expiresAt: number | null
  /**
   * The access token has expired and no new one has come yet: refreshes are failing for a passing
   * reason (offline, 5xx) and are retried. The session is kept (`status` stays `authenticated`),
   * but the token is not usable: requests wait for the next successful refresh or fail.
   */
  tokenExpired: boolean
  /**
   * Names the current login: the same across its refreshes and in every tab, new with each
   * login. Not a secret. Key per-user caches by it when tokens carry no user id.
   */
  sessionId: string | null
  /**
   * How the last session of this page ended, kept until the next session starts (null if none
   * ended yet): for a sign-in page that says "you signed out in another tab".
   */
  ended: SessionEnd | null
  /** The session is about to end for an idle or age limit (see `sessionTimeout`); null otherwise. */
  expiring: SessionExpiring | null
  /** The Hasura role requests run as (`x-hasura-role`), chosen with `setRole` (see `hasuraRole`); null: the token's default role. */
  role: string | null
  error: AuthError | null
}

/** Which limit of `sessionTimeout` is about to end the session, and when (client-clock ms). */
export interface SessionExpiring {
  reason: 'idle' | 'max_age'
  at: number
}

/** Why a session ended, and whether that happened in another tab. */
export interface SessionEnd {
  reason: LogoutReason
  fromOtherTab: boolean
}

/** What `refresh` gets: the current pair and claims, and a signal aborted on timeout or logout. */
export interface RefreshContext<TClaims extends JwtClaims = JwtClaims> {
  /** Null in cookie mode: the server reads the refresh token from its HttpOnly cookie. */
  refreshToken: string | null
  accessToken: string | null
  claims: TClaims | null
  /** Aborted when the refresh times out or the session ends while it runs. */
  signal: AbortSignal
  /** DPoP mode: send the request through `dpop(fetch)`, which adds the proof of the session's key. */
  dpop?: DpopSigner
}

/** What `revoke` gets: the pair that was just logged out. */
export interface RevokeContext {
  refreshToken: string | null
  accessToken: string | null
  /** True for "log out everywhere": revoke every session of the user, on every device. */
  everywhere: boolean
  /** DPoP mode: send the request through `dpop(fetch)`, which adds the proof of the ended session's key. */
  dpop?: DpopSigner
}

/**
 * Why a session ended: the user, "log out everywhere", a refresh the server refused, expiry after
 * one, or a limit of `sessionTimeout` (no input for `idleTimeout`, or `maxSessionAge` reached).
 */
export type LogoutReason = 'user' | 'everywhere' | 'refresh_rejected' | 'expired' | 'idle' | 'max_age'

/** What the client tells `onEvent`, for logs and UI. No event ever carries a token. */
export type AuthEvent =
  | { type: 'logged_in' }
  | { type: 'logged_out'; reason: LogoutReason; fromOtherTab: boolean }
  /** From this tab's storage, or (with `restore: cookieRestore`) from the refresh cookie when no tab had a session. */
  | { type: 'session_restored'; from: 'storage' | 'cookie' }
  | ({ type: 'session_expiring' } & SessionExpiring)
  | { type: 'session_adopted'; from: 'handoff' | 'broadcast'; waited: number }
  | { type: 'handoff_timeout'; waited: number }
  | { type: 'refresh_scheduled'; at: number; in: number }
  | { type: 'refresh_started' }
  | { type: 'refresh_succeeded'; expiresAt: number }
  | { type: 'refresh_skipped'; reason: 'rotated_by_other_tab' }
  | { type: 'refresh_failed'; error: AuthError; retryIn: number | null }
  | { type: 'storage_unavailable'; error: AuthError }
  | { type: 'revoke_failed'; error: AuthError }
  /** The API asked for a more recent or stronger sign-in, or more scope or claims; the request was refused with `step_up_required`. */
  | ({ type: 'step_up_required' } & StepUpChallenge)
