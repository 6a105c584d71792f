import { jwtDecode } from 'jwt-decode'
import { AuthError } from './errors'

/** Registered claims the client relies on; apps extend it with their own. */
export interface JwtClaims {
  sub?: string
  exp: number
  iat?: number
  [claim: string]: unknown
}

/** What a login or refresh yields: the access JWT and, unless the server keeps it in a cookie, the refresh token. */
export interface TokenPair {
  accessToken: string
  /** Omit in cookie mode, where the server keeps the refresh token in an HttpOnly cookie. */
  refreshToken?: string | null
}

/** A validated session as the client holds, stores and shares it between tabs. */
export interface Session<TClaims extends JwtClaims = JwtClaims> {
  accessToken: string
  refreshToken: string | null
  claims: TClaims
  /** Server clock minus client clock in ms, estimated from `iat` when the token was received. */
  skew: number
  /** Client-clock ms when this tab (or the tab it came from) received the tokens. */
  receivedAt: number
  /** Counts logins and rotations seen by this group of tabs; with `iat`, orders sessions. */
  seq: number
  /** `exp` translated to the client clock, in ms. */
  expiresAt: number
}

// Skew is only trusted within this bound; beyond it `iat` is more likely wrong than the clock.
const MAX_SKEW = 24 * 60 * 60 * 1000
const MIN_SKEW = 2_000

export function decodeClaims<TClaims extends JwtClaims>(token: unknown): TClaims {
  let claims: Partial<JwtClaims> | null = null
  try {
    if (typeof token === 'string' && token.split('.').length === 3) claims = jwtDecode(token)
  } catch {
    // reported below, without echoing the token
  }
  if (typeof claims !== 'object' || claims === null) throw invalid('not a decodable JWT')
  const { exp, iat } = claims
  if (!Number.isFinite(exp) || (iat !== undefined && !(Number.isFinite(iat) && iat <= exp!))) {
    throw invalid('needs a numeric exp (and iat <= exp)')
  }
  return claims as TClaims
}

const invalid = (why: string) => new AuthError('invalid_token', `Access token ${why}.`)

/** A validated session from its parts; throws `invalid_token` on a bad token of either kind. */
function buildSession<TClaims extends JwtClaims>(
  accessToken: unknown,
  refreshToken: unknown,
  skew: number,
  receivedAt: number,
  seq: number,
): Session<TClaims> {
  const claims = decodeClaims<TClaims>(accessToken)
  if (refreshToken !== null && (typeof refreshToken !== 'string' || refreshToken === '')) {
    throw new AuthError('invalid_token', 'Refresh token must be a non-empty string.')
  }
  return { accessToken: accessToken as string, refreshToken, claims, skew, receivedAt, seq, expiresAt: claims.exp * 1000 - skew }
}

/**
 * Validates a freshly received pair and pins it to the client clock. `iat` tells what time the
 * server had when it issued the token, so a client clock that is an hour off still schedules
 * the refresh against the server's idea of `exp`.
 */
export function createSession<TClaims extends JwtClaims>(pair: TokenPair, now: number, seq: number): Session<TClaims> {
  const session = buildSession<TClaims>(pair?.accessToken, pair.refreshToken ?? null, 0, now, seq)
  const { iat } = session.claims
  const skew = iat === undefined ? 0 : iat * 1000 - now
  // `iat` has whole seconds and the answer took a while to arrive: below MIN_SKEW the measurement
  // is noise, and trusting it would move `exp` up to a second later than the server's.
  if (Math.abs(skew) >= MIN_SKEW && Math.abs(skew) <= MAX_SKEW) {
    session.skew = skew
    session.expiresAt -= skew
  }
  if (session.expiresAt <= now) throw invalid('has expired')
  return session
}

/**
 * Whether `a` supersedes `b`. The server's `iat` comes first: tabs' wall clocks can step
 * backwards, the server's issue order does not. Within one second, the sequence decides.
 */
export function isNewer(a: Session, b: Session): boolean {
  const { iat: ai } = a.claims
  const { iat: bi } = b.claims
  if (ai !== undefined && bi !== undefined && ai !== bi) return ai > bi
  return a.seq > b.seq
}

/** Token lifetime in ms as issued, used to clamp the refresh lead for short-lived tokens. */
export function lifetimeOf(session: Session): number {
  const { iat, exp } = session.claims
  return iat === undefined ? session.expiresAt - session.receivedAt : (exp - iat) * 1000
}

/** The form a session takes in storage and in messages between tabs: claims are re-derived. */
export interface StoredSession {
  v: 1
  accessToken: string
  refreshToken: string | null
  skew: number
  receivedAt: number
  seq: number
}

export function toStored(session: Session): StoredSession {
  const { accessToken, refreshToken, skew, receivedAt, seq } = session
  return { v: 1, accessToken, refreshToken, skew, receivedAt, seq }
}

/** Accepts anything (storage contents, another tab's message); returns null unless it is a valid session. */
export function parseStoredSession<TClaims extends JwtClaims>(value: unknown): Session<TClaims> | null {
  const { v, accessToken, refreshToken, skew, receivedAt, seq } = (value ?? {}) as Partial<StoredSession>
  if (v !== 1 || typeof skew !== 'number' || !(Math.abs(skew) <= MAX_SKEW) || !Number.isFinite(receivedAt)) return null
  if (!Number.isSafeInteger(seq) || seq! < 0) return null
  try {
    return buildSession(accessToken, refreshToken, skew, receivedAt!, seq!)
  } catch {
    return null
  }
}
