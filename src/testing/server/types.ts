import type { Algorithm } from './claims'
import type { UserInput } from './users'

/** Options of `createAuthServer`; every one has a default. */
export interface AuthServerOptions {
  /** Access-token lifetime in seconds. Default 900. */
  accessTokenTtl?: number
  /** Refresh-token lifetime in seconds (sliding: each rotation gets a full one). Default 7 days. */
  refreshTokenTtl?: number
  algorithm?: Algorithm
  /** HS256 key material. Default: random per server. */
  secret?: string
  /** Seconds a just-rotated token may be presented again and get the same new pair. Default 0. */
  refreshGraceWindow?: number
  users?: UserInput[]
  /** PBKDF2 iterations. Default 100 000; tests pass a few hundred to stay fast. */
  passwordIterations?: number
  /** Force `__Host-` + Secure cookies on or off. Default: per request, from the URL scheme. */
  secureCookies?: boolean
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
}

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
  revokeAccessToken(token: string): void
  setClockOffset(ms: number): void
}

/** A seeded user with the password to log in with. */
export interface AuthServerUser {
  readonly username: string
  readonly password: string
  readonly id: string
  readonly roles: string[]
  readonly name: string
}

/** A reference server: its handler, seeded users and test hooks. */
export interface AuthServer {
  handler: (request: Request) => Promise<Response>
  users: readonly AuthServerUser[]
  control: AuthServerControl
}
