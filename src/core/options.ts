// The options of `createAuthClient` and the client it returns: the top of the engine's types. The
// opt-in parts are options of one contract (`AuthPart`, part.ts), so this file names no part.
import type { AuthFetchOptions } from './fetch'
import type { LockManagerLike } from './lock'
import type { AuthPart } from './part'
import type { Timers } from './scheduler'
import type { StorageLike } from './storage'
import type { ChannelFactory } from './tabs'
import type { JwtClaims, TokenPair } from './tokens'
import type { AuthEvent, AuthState, RefreshContext, RevokeContext } from './types'
import type { WakeEvents } from './wakeEvents'

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
  restore?: AuthPart
  /** Hasura's active role, chosen with `auth.setRole()` and shared by every tab: `role: hasuraRole()`. */
  role?: AuthPart
  /**
   * Sender-constrained tokens (RFC 9449): `dpop: dpop()` signs every request with a key that never
   * leaves the browser, and the server binds the tokens to it. Send the login request with
   * `auth.loginFetch`. Not combinable with `restore` (a cold start has no key).
   */
  dpop?: AuthPart
  /** Idle and absolute session limits with a warning: `timeout: sessionTimeout({ idleTimeout, maxSessionAge, warnBefore })`. */
  timeout?: AuthPart
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
