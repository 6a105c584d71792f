// The one contract of the opt-in parts (`timeout`, `role`, `dpop`, `restore`): each is a function
// of a `PartContext` that returns the hooks it needs. The client builds every part the same way at
// construction, starts and stops them with itself, and tells them when the session changes; a
// part never opens a channel or arms a long timer of its own (the environment does, once).
import type { Environment } from './env'
import type { AuthError } from './errors'
import type { JwtClaims, TokenPair } from './tokens'
import type { AuthEvent, AuthState, DpopSigner, LogoutReason, RefreshContext } from './types'

/** The login this tab holds, as every part sees it. */
export interface SessionView {
  /** Names the login: the same across its refreshes and in every tab. */
  sessionId: string
  claims: JwtClaims
  /** Server clock minus this tab's clock, in ms. */
  skew: number
  /**
   * When the user signed in, on this tab's clock: the token's `auth_time` (carried by the server
   * through refreshes and cookie restores), else the login's `iat`, carried through refreshes and
   * handoffs (a cookie restore then counts from the restore). Never later than the login.
   */
  signedInAt: number
}

/** What the client lends every part. */
export interface PartContext {
  readonly env: Environment
  /** The login this tab holds; null when signed out. */
  session(): SessionView | null
  /** Sets the part's own fields of the state (`role`, `expiring`). */
  patch(fields: Partial<Pick<AuthState, 'role' | 'expiring'>>): void
  emit(event: AuthEvent): void
  /** Ends the session in every tab for `reason` now; returns what revokes it on the server, null without a session. */
  end(reason: LogoutReason): (() => Promise<void>) | null
  /** The cold start's view of the client, for a part that restores a session (`cookieRestore`). */
  readonly coldStart: ColdStartContext
}

export interface ColdStartContext {
  /** True while this tab has no session and is not yet settled: a login or another tab's session ends the wish. */
  wanted(): boolean
  /** The client's refresh with no refresh token (the server reads its cookie): no lock, no refresh state. */
  refresh(): Promise<TokenPair>
  /** How long a tab waits for another tab's turn before taking it over (a frozen tab): as long as the refresh lock, `refreshTimeout` + 2 s. */
  maxWait(): number
  /** Signs this tab in with the restored pair and tells the other tabs. */
  signIn(tokens: TokenPair): void
  /** Asks the other tabs for their session again; false when there is no channel to ask on. */
  askOtherTabs(): boolean
  /** Resolves once the question to the other tabs is answered or timed out. */
  otherTabsSettled(): Promise<void>
  /** Settles as signed out; with the error when the server could not be asked. */
  signedOut(error?: AuthError): void
}

/** What a part may do; every hook is optional. */
export interface PartHooks {
  /** The client started (`start()`): listen, open topics. The session is told right after (`onSession`). */
  start?(): void
  stop?(): void
  /** The session may have changed (also once after `start`); never called while React renders. */
  onSession?(): void
  /** The page woke up (a laptop lid, a tab shown): checked before the client's own refresh timer. */
  onWake?(): void
  /** Headers every authenticated request carries besides the token (the Hasura role); null for none. */
  headers?(): Record<string, string> | null
  /** The login request's fetch (DPoP: signed with the key the next login will be bound to). */
  loginFetch?(base: typeof fetch): typeof fetch
  /** Checks a login's pair before anything is stored: throws to refuse it. */
  bind?(sessionId: string, claims: JwtClaims): void
  /** Signs requests of the session held now (DPoP). */
  signer?(): DpopSigner
  /** `Authorization` and proof headers for one request of another transport (DPoP). */
  proofHeaders?(
    token: string,
    request: { method: string; url: string | URL; dpopNonce?: string } | undefined,
  ): Promise<Record<string, string>>
  /** Wraps `refresh` (DPoP signs it and checks the answer's binding). */
  wrapRefresh?<C extends RefreshContext<JwtClaims>>(refresh: (context: C) => Promise<TokenPair>): (context: C) => Promise<TokenPair>
  /** Nothing is stored and no tab holds a session: find one (`cookieRestore`). Resolves once this tab is settled. */
  coldStart?(): Promise<void>
  /** `auth.setRole()`. */
  setRole?(role: string | null): void
  /** `auth.extend()`. */
  extend?(): void
}

/** An opt-in part: `sessionTimeout(…)`, `hasuraRole()`, `dpop()`, `cookieRestore`. */
export type AuthPart = (context: PartContext) => PartHooks
