import type { AuthError } from './errors'
import type { LockManagerLike } from './lock'
import type { Timers } from './scheduler'
import type { StepUpChallenge } from './challenge'
import type { SessionRestore } from './cookieRestore'
import type { Dpop, DpopSigner } from './dpop'
import type { AuthFetchOptions } from './fetch'
import type { ActiveRole } from './hasuraRole'
import type { SessionTimeout } from './sessionTimeout'
import type { StorageLike } from './storage'
import type { ChannelFactory } from './tabs'
import type { JwtClaims, TokenPair } from './tokens'
import type { WakeEvents } from './wakeEvents'

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

/** Options of `createAuthClient`; only `refresh` is required. Those that shape `client.fetch` are `AuthFetchOptions`. */
export interface AuthClientOptions<TClaims extends JwtClaims = JwtClaims> extends AuthFetchOptions {
  /** Exchanges the current refresh token for a new pair. Throw with a `status` to classify failures. */
  refresh: (context: RefreshContext<TClaims>) => Promise<TokenPair>
  /** Server-side logout, called after the local logout; its failure is reported, never thrown. */
  revoke?: (context: RevokeContext) => Promise<void>
  /** Names the storage key, the broadcast channel and the refresh lock. Default `jwt-session`. */
  storageKey?: string
  /** Default `sessionStorage`. Pass `null` to keep the session in memory only. */
  storage?: StorageLike | null
  /** Refresh this long before `exp`, in ms (default 60 000), clamped for short-lived tokens. */
  refreshLeadTime?: number
  /**
   * Abort a refresh that has not answered after this many ms (default 15 000). A tab that holds
   * the cross-tab refresh lock 2 s longer than this (frozen, paused in a debugger) has it taken
   * over by another tab.
   */
  refreshTimeout?: number
  /** How long a new tab waits for another tab to hand over the session, in ms (default 300). */
  handoffTimeout?: number
  /** Observe what the client does; events never carry a token. */
  onEvent?: (event: AuthEvent) => void
  /** Wall clock in ms. Default `Date.now`. */
  now?: () => number
  timers?: Timers
  random?: () => number
  /** Opens the cross-tab channel. Default BroadcastChannel; `null` makes this tab stand alone. */
  channel?: ChannelFactory | null
  /** Default `navigator.locks`; `null` serialises refreshes within this tab only. */
  locks?: LockManagerLike | null
  /** Where the client hears of the page's life. Default: visibilitychange, online, pagehide, pageshow. */
  wakeEvents?: WakeEvents
  /**
   * Cold start when nothing is stored and no tab answers: `restore: cookieRestore` asks the
   * server once with the refresh cookie (cookie mode). A refusal means "not signed in", quietly.
   */
  restore?: SessionRestore
  /** Hasura's active role, chosen with `auth.setRole()` and shared by every tab: `role: hasuraRole()`. */
  role?: ActiveRole
  /**
   * Sender-constrained tokens (RFC 9449): `dpop: dpop()` signs every request with a key that never
   * leaves the browser, and the server binds the tokens to it. Send the login request with
   * `auth.loginFetch`. Not combinable with `restore` (a cold start has no key).
   */
  dpop?: Dpop
  /** Idle and absolute session limits with a warning: `timeout: sessionTimeout({ idleTimeout, maxSessionAge, warnBefore })`. */
  timeout?: SessionTimeout
}

/** The session engine returned by `createAuthClient`. */
export interface AuthClient<TClaims extends JwtClaims = JwtClaims> {
  getSnapshot(): AuthState<TClaims>
  subscribe(listener: () => void): () => void
  /** Starts timers, listeners and the cross-tab channel. Ref-counted: pair every call with `stop()`. */
  start(): void
  stop(): void
  /** Validates and stores a pair; throws `AuthError('invalid_token')` and changes nothing on bad input. */
  login(tokens: TokenPair): void
  /** Ends the session in every tab at once, then revokes it on the server (best effort). */
  logout(options?: { everywhere?: boolean }): Promise<void>
  /**
   * Refreshes now; concurrent callers share one request. With `staleToken`, resolves at once when
   * the session already moved past that token (another request refreshed it first).
   */
  refresh(options?: { staleToken?: string }): Promise<string>
  /**
   * Resolves once the session is known: restored, handed over by another tab, refreshed, or
   * settled as signed out. Works before `start()` (a route loader, module code): it begins the
   * restore and the question to the other tabs itself, and leaves nothing running after.
   */
  ready(): Promise<AuthState<TClaims>>
  /** A token valid now (refreshed first when expired or about to), or null without a session; waits for `ready()` first. */
  getAccessToken(): Promise<string | null>
  /** `fetch` with the Bearer token for allowed origins, and one refresh-and-replay on 401. */
  fetch: typeof fetch
  /**
   * `fetch` for the login request. With `dpop`, it carries a proof of a new key — the one the
   * session will be bound to — and answers a nonce challenge once; otherwise it is plain `fetch`.
   */
  loginFetch: typeof fetch
  /**
   * Runs requests as `role` (`x-hasura-role`), in every tab of this login; null goes back to the
   * token's default role. Throws `role_not_allowed` for a role the token does not allow, and a
   * `TypeError` without `role: hasuraRole()`.
   */
  setRole(role: string | null): void
  /** Counts as user activity in every tab and dismisses the idle warning; cannot pass `maxSessionAge`. No-op without `timeout`. */
  extend(): void
  /**
   * `{ Authorization: 'Bearer …' }` with a valid token, for transports other than fetch (WebSocket).
   * With `dpop`, pass the request: `{ Authorization: 'DPoP …', DPoP: proof }` for that method and URL;
   * `dpopNonce` answers a server's nonce challenge (`use_dpop_nonce`), and later proofs to its origin carry it.
   */
  getAuthHeaders(request?: { method: string; url: string | URL; dpopNonce?: string }): Promise<Record<string, string>>
}
