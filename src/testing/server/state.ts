// Everything one server instance holds, built from its options. Routes receive this object.
import { decodeJwt } from 'jose'
import { randomHex } from './bytes'
import { createControlState, type ControlState } from './control'
import { parseCorsOrigins } from './cors'
import { createDpopVerifier, type DpopVerifier } from './dpop'
import { createAccessTokens, type AccessTokens } from './jwt'
import { createPasswordBook, type PasswordBook } from './passwords'
import { createRefreshStore, type RefreshStore } from './refreshTokens'
import { createTodoStore, type TodoStore } from './todos'
import type { AuthServerControl, AuthServerOptions, ContractViolation } from './types'
import { normalizeUsers, type ServerUser } from './users'

export interface ServerState {
  users: readonly ServerUser[]
  usersById: Map<string, ServerUser>
  passwords: PasswordBook
  tokens: AccessTokens
  refresh: RefreshStore
  todos: TodoStore
  control: ControlState
  /** Access tokens revoked one by one (by `jti`), with their expiry in ms to prune them. */
  revokedJtis: Map<string, number>
  refreshTtl: number
  graceSeconds: number
  recentAuthSeconds: number
  secureCookies: boolean | undefined
  trustProxy: boolean
  /** Normalized (`URL.origin`) values of `trustedOrigins`, and the `corsOrigins`. */
  trustedOrigins: ReadonlySet<string>
  /** Normalized values of `corsOrigins`: the origins answered with CORS headers. */
  corsOrigins: ReadonlySet<string>
  /** Set in DPoP mode (`dpop: true`); undefined otherwise. */
  dpop: DpopVerifier | undefined
  /** Contract rules broken on purpose (`violations`); empty by default. */
  violations: ReadonlySet<ContractViolation>
  now(): number
}

const DEFAULT_ACCESS_TTL = 900
const DEFAULT_REFRESH_TTL = 7 * 24 * 60 * 60
const DEFAULT_MAX_SESSION_AGE = 30 * 24 * 60 * 60
// A refresh whose response is lost (dropped connection, frozen tab, the client's 15 s
// refreshTimeout) is retried with the same token after a backoff of at most 1 s. Strict rotation
// would call that reuse and log every tab out; 30 s covers even the timeout case. The replay is
// safe to offer that long: it needs the fingerprint cookie and an unused successor.
const DEFAULT_GRACE_WINDOW = 30
const DEFAULT_ITERATIONS = 100_000
const DEFAULT_RECENT_AUTH = 300
/** How far `clock-skew` dates tokens ahead of the `Date` header. */
const VIOLATION_CLOCK_SKEW_MS = 120_000
const VIOLATIONS: readonly ContractViolation[] = [
  'no-rotation',
  'no-reuse-detection',
  'server-error-on-refusal',
  'readable-cookies',
  'no-csrf-guard',
  'sliding-session',
  'cacheable-tokens',
  'clock-skew',
  'cors-any-origin',
  'dpop-replay',
  'logout-keeps-session',
]

function parseViolations(values: readonly ContractViolation[] | undefined): ReadonlySet<ContractViolation> {
  for (const value of values ?? []) {
    if (!VIOLATIONS.includes(value))
      throw new RangeError(`createAuthServer: violations holds ${JSON.stringify(value)}, not one of ${VIOLATIONS.join(', ')}`)
  }
  return new Set(values)
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`createAuthServer: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`)
  }
  return value
}

function originOf(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined
  if (url?.protocol !== 'https:' && url?.protocol !== 'http:') {
    throw new RangeError(`createAuthServer: trustedOrigins holds ${JSON.stringify(value)}, not an http(s) origin`)
  }
  return url.origin
}

export function createState(options: AuthServerOptions): { state: ServerState; control: AuthServerControl } {
  let clockOffset = 0
  // Every time-dependent decision reads this, so setClockOffset moves iat/exp and verification together.
  const now = () => Date.now() + clockOffset
  const users = normalizeUsers(options.users)
  const accessTtl = positive('accessTokenTtl', options.accessTokenTtl, DEFAULT_ACCESS_TTL)
  const refreshTtl = positive('refreshTokenTtl', options.refreshTokenTtl, DEFAULT_REFRESH_TTL)
  const maxSessionSeconds = positive('maxSessionAge', options.maxSessionAge, DEFAULT_MAX_SESSION_AGE)
  const graceSeconds = positive('refreshGraceWindow', options.refreshGraceWindow, DEFAULT_GRACE_WINDOW, true)
  const iterations = Math.floor(positive('passwordIterations', options.passwordIterations, DEFAULT_ITERATIONS))
  const controlState = createControlState()
  const corsOrigins = parseCorsOrigins(options.corsOrigins)
  const violations = parseViolations(options.violations)
  // Tokens dated by a clock ahead of the one that writes the Date header (node:http's).
  const tokenNow = violations.has('clock-skew') ? () => now() + VIOLATION_CLOCK_SKEW_MS : now
  if (options.dpopNonce === true && options.dpop !== true) {
    throw new RangeError('createAuthServer: dpopNonce needs dpop: true as well')
  }

  const state: ServerState = {
    users,
    usersById: new Map(users.map((u) => [u.id, u])),
    passwords: createPasswordBook(users, iterations),
    tokens: createAccessTokens({
      algorithm: options.algorithm ?? 'HS256',
      secret: options.secret,
      ttlSeconds: accessTtl,
      issuer: options.issuer,
      audience: options.audience,
      now: tokenNow,
    }),
    refresh: createRefreshStore({ ttlSeconds: refreshTtl, maxSessionSeconds, graceSeconds, now, newId: () => randomHex(16) }),
    todos: createTodoStore(users, now),
    control: controlState,
    revokedJtis: new Map(),
    refreshTtl,
    graceSeconds,
    recentAuthSeconds: positive('recentAuthMaxAge', options.recentAuthMaxAge, DEFAULT_RECENT_AUTH),
    secureCookies: options.secureCookies,
    trustProxy: options.trustProxy === true,
    // An origin allowed to read answers made with the session cookies may also send them.
    trustedOrigins: new Set([...(options.trustedOrigins ?? []).map(originOf), ...corsOrigins]),
    corsOrigins,
    dpop:
      options.dpop === true
        ? createDpopVerifier({ now, requireNonce: options.dpopNonce === true, forgetsProofs: violations.has('dpop-replay') })
        : undefined,
    violations,
    now,
  }

  const control: AuthServerControl = {
    counters: controlState.counters,
    resetCounters: controlState.resetCounters,
    failNextRefreshes: controlState.failNextRefreshes,
    holdRefreshes: controlState.holdRefreshes,
    releaseRefreshes: controlState.releaseRefreshes,
    pendingRefreshes: controlState.pendingRefreshes,
    holdLogouts: controlState.holdLogouts,
    releaseLogouts: controlState.releaseLogouts,
    pendingLogouts: controlState.pendingLogouts,
    revokeAccessToken(token) {
      let claims: ReturnType<typeof decodeJwt>
      try {
        claims = decodeJwt(token)
      } catch {
        return // not a JWT: nothing this server issued, nothing to revoke
      }
      if (typeof claims.jti !== 'string') return
      const current = now()
      for (const [jti, expiresAt] of state.revokedJtis) if (expiresAt <= current) state.revokedJtis.delete(jti)
      if (state.revokedJtis.has(claims.jti)) return
      // Keep it until it would have expired anyway (a day if it has no usable exp).
      state.revokedJtis.set(claims.jti, typeof claims.exp === 'number' ? claims.exp * 1000 : current + 86_400_000)
      controlState.stats.revocations++
    },
    setClockOffset(ms) {
      if (!Number.isFinite(ms)) throw new RangeError('setClockOffset: ms must be a finite number')
      clockOffset = ms
    },
  }
  return { state, control }
}
