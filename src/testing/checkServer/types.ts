// The checker's configuration, its results and its one error type.

/** How the refresh token travels: in the JSON body, or in an HttpOnly cookie the server reads. */
export type CheckServerMode = 'body' | 'cookie'

/** A login request the checker sends (POST, JSON) to start each session it needs. */
export interface CheckServerLogin {
  /** Path or URL on the base URL's origin. Default `/auth/login`. */
  url?: string
  /** The JSON body, e.g. `{ username, password }`; in cookie mode add what your server needs (`cookieMode: true` for the reference server). */
  body: Record<string, unknown>
  /** Extra request headers. */
  headers?: Record<string, string>
}

/** A pair issued elsewhere (for a server the checker cannot sign in to): one session, so some rules cannot be checked. */
export interface CheckServerTokens {
  accessToken: string
  /** Body mode only. */
  refreshToken?: string
  /** The cookies that go with the pair (fingerprint, cookie-mode refresh token), by name. */
  cookies?: Record<string, string>
}

export interface CheckServerConfig {
  /** The server to check, e.g. `http://127.0.0.1:3000`. Every request goes to this origin, and only there. */
  baseUrl: string
  /** How to sign in: a login request (every rule can be checked), or a ready pair. */
  login?: CheckServerLogin
  tokens?: CheckServerTokens
  /** Default `/auth/refresh`. */
  refreshUrl?: string
  /** Default `/auth/logout`. */
  logoutUrl?: string
  /** A protected `GET` resource that answers 200 to a valid access token. Default `/api/me`. */
  apiUrl?: string
  /** Default `body`. */
  mode?: CheckServerMode
  /** The server claims DPoP (RFC 9449): proofs on the token endpoints and the API, bound tokens. Default false. */
  dpop?: boolean
  /** The app's origin when it is not the server's: CORS with credentials must answer it, and no other. */
  appOrigin?: string
  /** A lower request bound than `MAX_REQUESTS` (60); the run stops there, and what it had not checked says so. */
  maxRequests?: number
  /** Where the lines go as they are made, the notice first. Default: none (read `lines` of the result). */
  print?: (line: string) => void
}

export type RuleStatus = 'pass' | 'fail' | 'could not check'

export type RuleId =
  | 'rotation'
  | 'reuse-detection'
  | 'grace-retry'
  | 'refusal-status'
  | 'session-cookies'
  | 'csrf'
  | 'session-lifetime'
  | 'no-store'
  | 'clock'
  | 'cors'
  | 'dpop'
  | 'logout'

export interface RuleResult {
  rule: RuleId
  status: RuleStatus
  /** What was seen: statuses, header names, seconds. Never a token. */
  detail: string
  /** On a failure: what a user of the library would see. */
  impact?: string
}

export interface CheckServerResult {
  /** One per rule, in a fixed order. */
  results: RuleResult[]
  /** The printed form: the notice, one line per rule, and a summary. */
  lines: string[]
  /** True when no rule failed. */
  ok: boolean
  /** Requests sent (never more than `MAX_REQUESTS`). */
  requests: number
  durationMs: number
}

export type CheckServerErrorCode = 'invalid_config' | 'foreign_origin' | 'insecure_origin' | 'request_limit'

/** A configuration the checker refuses before sending anything, or its request bound reached. */
export class CheckServerError extends Error {
  override readonly name = 'CheckServerError'
  readonly code: CheckServerErrorCode
  constructor(code: CheckServerErrorCode, message: string) {
    super(message)
    this.code = code
  }
}
