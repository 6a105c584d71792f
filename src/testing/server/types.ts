import type { Algorithm } from './claims'
import type { ServerUser, UserInput } from './users'

/** Options of `createAuthServer`; every one has a default. */
export interface AuthServerOptions {
  /** Access-token lifetime in seconds. Default 900. */
  accessTokenTtl?: number
  /**
   * Refresh-token lifetime in seconds (sliding: each rotation gets a full one, up to
   * `maxSessionAge`). Default 7 days.
   */
  refreshTokenTtl?: number
  /**
   * Absolute session lifetime in seconds, counted from login and never extended by rotation.
   * Refresh tokens, access tokens and cookies all end with it; a refresh after it gets 401
   * `invalid_grant`. Default 30 days.
   */
  maxSessionAge?: number
  algorithm?: Algorithm
  /** HS256 key material. Default: random per server. */
  secret?: string
  /**
   * Seconds a just-rotated token may be presented again, from the same browser (fingerprint
   * cookie) and before its successor is used, and get the very same new pair: a client whose
   * refresh response was lost retries with the old token. Any other second use is reuse and
   * revokes the family. Default 30; 0 is strict rotation (every second use is reuse).
   */
  refreshGraceWindow?: number
  /**
   * Seconds after the sign-in (`auth_time`) within which `GET /api/sensitive` answers; after that
   * it demands a fresh sign-in: 401 with `WWW-Authenticate: Bearer
   * error="insufficient_user_authentication", max_age=<this>` (RFC 9470). Default 300.
   */
  recentAuthMaxAge?: number
  users?: UserInput[]
  /** PBKDF2 iterations. Default 100 000; tests pass a few hundred to stay fast. */
  passwordIterations?: number
  /**
   * Force `__Host-` + Secure cookies on or off. Default: per request, from the scheme the
   * browser used (the URL's, or `X-Forwarded-Proto` with `trustProxy`).
   */
  secureCookies?: boolean
  /**
   * Behind a reverse proxy that terminates TLS, take the request's public scheme and host from
   * `X-Forwarded-Proto` and `X-Forwarded-Host` (first value each). Set it only when a proxy you
   * control sets or overwrites those headers. Default false.
   */
  trustProxy?: boolean
  /**
   * Origins besides the request's own that may POST to `/auth/*` and `/graphql` from a browser,
   * e.g. the app's public origin when a proxy rewrites `Host` without `X-Forwarded-Host`. Any
   * other `Origin` header is refused with 403. Default none.
   */
  trustedOrigins?: string[]
  /**
   * CORS with credentials, for an app on another origin than this server: a request whose
   * `Origin` is one of these exact origins (never a wildcard: a TypeError) gets
   * `Access-Control-Allow-Origin: <that origin>` and `Access-Control-Allow-Credentials: true`,
   * and its preflight is answered; any other origin gets no CORS headers (its preflight a 403).
   * Every answer carries `Vary: Origin`. Listed origins may also POST to `/auth/*` and
   * `/graphql`, as `trustedOrigins`. Default none: no CORS headers at all.
   */
  corsOrigins?: string[]
  issuer?: string
  audience?: string
  /** Serve the control hooks as JSON under `/__control/*`. Default false. */
  exposeControl?: boolean
  /**
   * Keep the cookies this server sets in memory and use them when a request carries none.
   * For MSW in the browser, where a mocked response cannot set an HttpOnly cookie (the
   * browser drops Set-Cookie from a constructed Response). Emulates one browser. Default false.
   */
  emulateCookies?: boolean
  /**
   * DPoP (RFC 9449): `/auth/login`, `/auth/refresh` and the GraphQL refresh action require a
   * `DPoP` proof (ES256, public `jwk` in its header); the session is bound to that key
   * (`cnf.jkt` in access tokens, the refresh family records it), and resources take
   * `Authorization: DPoP <token>` with a proof carrying `ath`. The fingerprint cookie is still
   * required beside it. Default false.
   */
  dpop?: boolean
  /** With `dpop`: proofs must carry the server's current nonce, sent in `DPoP-Nonce` on every response. Default false. */
  dpopNonce?: boolean
  /**
   * Rules of the server contract to break on purpose, to see a checker (`checkServer`) find each
   * one. Never for a real setup. (`refreshGraceWindow: 0` breaks the grace window.) Default none.
   */
  violations?: ContractViolation[]
}

/** A rule of the server contract the reference server can break on purpose: see `violations`. */
export type ContractViolation =
  /** Refresh answers a new access token and the same refresh token, which stays valid. */
  | 'no-rotation'
  /** A spent refresh token presented again is refused, and its family lives on. */
  | 'no-reuse-detection'
  /** A dead or missing refresh token gets 500 instead of 400/401. */
  | 'server-error-on-refusal'
  /** The session cookies lack HttpOnly. */
  | 'readable-cookies'
  /** `/auth/*` and `/graphql` take any Origin and any Content-Type. */
  | 'no-csrf-guard'
  /** Every rotation restarts the session: `auth_time` and the session's end move with it. */
  | 'sliding-session'
  /** Answers carry no `Cache-Control: no-store`. */
  | 'cacheable-tokens'
  /** Tokens are dated 120 s ahead of the `Date` header (and checked by that clock). */
  | 'clock-skew'
  /** CORS with credentials for any Origin, not only `corsOrigins`. */
  | 'cors-any-origin'
  /** DPoP proofs are not remembered: a proof can be sent again. */
  | 'dpop-replay'
  /** Logout answers 204 and revokes nothing. */
  | 'logout-keeps-session'

/** What the server counted, for tests: logins, rotations, reuse events, 401s, revocations. */
export interface AuthServerCounters {
  logins: number
  refreshes: number
  reuseEvents: number
  unauthorized: number
  revocations: number
}

/** Test hooks of the reference server; reachable over HTTP only with `exposeControl`. */
export interface AuthServerControl {
  counters(): AuthServerCounters
  resetCounters(): void
  failNextRefreshes(count: number, status: number, body?: string, contentType?: string): void
  holdRefreshes(): void
  releaseRefreshes(): void
  /** Refresh requests currently stalled by `holdRefreshes`. */
  pendingRefreshes(): number
  /** Stalls `POST /auth/logout` until released; a held logout whose client went away ends nothing. */
  holdLogouts(): void
  releaseLogouts(): void
  /** Logout requests currently stalled by `holdLogouts`. */
  pendingLogouts(): number
  revokeAccessToken(token: string): void
  setClockOffset(ms: number): void
}

/** A seeded user with the password to log in with. */
export type AuthServerUser = ServerUser

/** A reference server: its handler, seeded users and test hooks. */
export interface AuthServer {
  handler: (request: Request) => Promise<Response>
  users: readonly AuthServerUser[]
  control: AuthServerControl
}
