// The contract between the e2e test page (main.ts, bundled for Chromium) and the tests that drive
// it through `page.evaluate(() => window.e2e.…)`.

/** One line of a tab's log. `t` is epoch ms (`performance.timeOrigin + performance.now()`). */
export interface PageLogEntry {
  t: number
  /**
   * An AuthEvent type, or a page-level entry: `state`, `refresh_request`, `refresh_response`,
   * `revoke_request`, `revoke_response`, `logout_called`, `extend_called`.
   */
  type: string
  status?: string
  /** On `state` entries: the access token the tab now shows. Test-page memory only. */
  token?: string | null
  from?: string
  /**
   * On `devtools_mark` entries (`?devtools=1`): a mark the devtools panel drew, by event type and the
   * tab it names; on `devtools_lock` entries: the tab(s) the Tabs section now shows holding the
   * refresh lock (`tab`, comma-separated; '' for none).
   */
  mark?: { type: string; tab: string }
  reason?: string
  fromOtherTab?: boolean
  waited?: number
  retryIn?: number | null
  /** On `pageshow` / `pagehide` entries: the event's `persisted` (true: restored from / going into bfcache). */
  persisted?: boolean
  /** An AuthError's code and HTTP status, for events that carry an error. */
  code?: string
  httpStatus?: number
  /** On `session_expiring` entries: when the limit ends the session (the tab's clock, epoch ms). */
  at?: number
}

export interface PageSnapshot {
  tab: string
  status: string
  accessToken: string | null
  /** The `sub` claim of the access token shown (the seeded user's id, e.g. `user-alice`). */
  sub: string | null
  /** The client's `sessionId` (one per login, kept across refreshes); null when signed out or not reported. */
  sessionId: string | null
  errorCode: string | null
  /** Every key and value in this tab's sessionStorage, read directly. */
  sessionStorage: Record<string, string>
  /** The refresh token in the stored session, if any. */
  storedRefreshToken: string | null
  /** `state.ended`: how this tab's last session ended, null while none has. */
  ended: { reason: string; fromOtherTab: boolean } | null
  /** `state.expiring`: the warning of `sessionTimeout`, null while none shows. */
  expiring: { reason: string; at: number } | null
}

export interface E2eApi {
  tab: string
  /** `performance.timeOrigin`: when this tab's navigation started (epoch ms). */
  timeOrigin: number
  /** When the page script began running and when it called `client.start()` (epoch ms). */
  scriptStartedAt: number
  clientStartedAt: number
  /** POST /auth/login through `client.loginFetch` (signed with `dpop=1`), then `client.login(pair)`. Returns the pair. */
  login(username?: string, password?: string): Promise<{ accessToken: string; refreshToken: string }>
  /**
   * POST /auth/login with `cookieMode: true` (the refresh token stays in the server's HttpOnly
   * cookie, the body has none), then `client.login({ accessToken, refreshToken: null })`.
   */
  loginCookieMode(username?: string, password?: string): Promise<{ accessToken: string }>
  /** Calls `client.logout()`; returns the epoch ms just before the call. */
  logout(): Promise<number>
  snapshot(): PageSnapshot
  log(): PageLogEntry[]
  /** Distinct access tokens this tab has shown, oldest first. */
  tokens(): string[]
  /** Every token in a login or refresh response this tab received. */
  receivedTokens(): string[]
  /**
   * `client.refresh()`, logged as `refresh_called` then `refresh_settled` (with `token` or `code`).
   * Never rejects: a failure comes back as its AuthError code.
   */
  refresh(): Promise<{ token: string | null; errorCode: string | null }>
  /** `client.ready()`: the status and token once the session is known. */
  ready(): Promise<{ status: string; accessToken: string | null }>
  /** `client.getAccessToken()`; never rejects (a failure comes back as its AuthError code). */
  getAccessToken(): Promise<{ token: string | null; errorCode: string | null }>
  /** `client.extend()`: activity in every tab, dismissing the idle warning (the page's `timeout` params). */
  extend(): void
  /** GET /api/me through `client.fetch`. */
  me(): Promise<{ status: number; body: unknown }>
  /** Records in dpop()'s IndexedDB key store (`jwt-session-dpop`/`keys`); 0 when the database does not exist. */
  dpopKeyCount(): Promise<number>
  /**
   * The key pair IndexedDB holds under the id this tab's `jwt-session:dpop` entry names: its
   * thumbprint, and whether its private half can be exported (`exportError`: the DOMException's
   * name when `crypto.subtle.exportKey` refuses). Null when nothing is named or stored.
   */
  storedDpopKey(): Promise<{ keyId: string; jkt: string | null; extractable: boolean; exportError: string | null } | null>
  /**
   * GET /api/me with `accessToken` as `Authorization: DPoP` and a valid proof (htm, htu, ath) of a
   * key made here and now, not the key the token is bound to. `jkt` is that key's thumbprint.
   */
  meWithOwnKey(accessToken: string): Promise<{ status: number; body: unknown; challenge: string | null; jkt: string }>
}

declare global {
  interface Window {
    e2e: E2eApi
  }
}
