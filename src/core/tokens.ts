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

/**
 * Where a session stands among all the sessions the tabs have seen. A login starts a family
 * (`family`, a random id) numbered past every login the tab knew of (`login`); each rotation
 * within the family counts up `gen`. Tabs agree on these numbers, so a server clock that steps
 * back never reorders what a tab knew. A login is also numbered at least its `iat` (in seconds),
 * so a tab that knew of no session (the tab that held one was frozen or closed) still numbers its
 * login past the earlier logins it never heard of. `since` (the login's `iat`) breaks a tie
 * between two logins, and dates the login for `maxSessionAge`.
 */
export interface SessionKey {
  family: string
  login: number
  since: number
  gen: number
}

/** A session's order key alone, without its tokens: what may be told (a logout, a devtools panel). */
export const keyOf = ({ family, login, since, gen }: SessionKey): SessionKey => ({ family, login, since, gen })

/** A validated session as the client holds, stores and shares it between tabs. */
export interface Session<TClaims extends JwtClaims = JwtClaims> extends SessionKey {
  accessToken: string
  refreshToken: string | null
  claims: TClaims
  /** Server clock minus client clock in ms, estimated from `iat` when the token was received. */
  skew: number
  /** Client-clock ms when this tab (or the tab it came from) received the tokens. */
  receivedAt: number
  /** `exp` translated to the client clock, in ms. */
  expiresAt: number
}

// Below this the `iat` measurement is noise: whole seconds, plus the time the answer took.
const MIN_SKEW = 2_000
/** Larger tokens are refused: decoding and cloning megabytes would stall every tab. */
const MAX_TOKEN_LENGTH = 16 * 1024
// An `exp` past this (year 5138) is a timestamp in milliseconds, not seconds.
const MAX_EXP = 1e11
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/
// Printable ASCII only: a refresh token may travel in a header, where CR/LF would split it.
const REFRESH_TOKEN_SHAPE = /^[\x21-\x7e]+$/

const invalid = (why: string) => new AuthError('invalid_token', `Access token ${why}.`)

export function decodeClaims<TClaims extends JwtClaims>(token: unknown): TClaims {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH)
    throw invalid(`must be a JWT string of at most ${MAX_TOKEN_LENGTH} characters`)
  let claims: Partial<JwtClaims> | null = null
  try {
    if (JWT_SHAPE.test(token)) claims = jwtDecode(token)
  } catch {
    // reported below, without echoing the token
  }
  if (typeof claims !== 'object' || claims === null) throw invalid('is not a decodable JWT')
  const { exp, iat } = claims
  if (!Number.isFinite(exp) || exp! <= 0 || exp! >= MAX_EXP) throw invalid('needs a numeric exp in seconds')
  if (iat !== undefined && !(Number.isFinite(iat) && iat <= exp!)) throw invalid('has an iat that is not a number <= exp')
  return claims as TClaims
}

function checkRefreshToken(refreshToken: unknown): asserts refreshToken is string | null {
  if (refreshToken === null) return
  if (typeof refreshToken !== 'string' || refreshToken.length > MAX_TOKEN_LENGTH || !REFRESH_TOKEN_SHAPE.test(refreshToken)) {
    throw new AuthError('invalid_token', `Refresh token must be a non-empty printable string of at most ${MAX_TOKEN_LENGTH} characters.`)
  }
}

/**
 * Validates a freshly received pair and pins it to the client clock. `iat` tells what time the
 * server had when it issued the token, so a client clock that is hours or days off still
 * schedules the refresh against the token's real lifetime. `key` places it among sessions:
 * `nextLogin` for a login, `rotationOf` for a refresh.
 */
export function createSession<TClaims extends JwtClaims>(
  pair: TokenPair,
  now: number,
  key: SessionKey | ((iat: number) => SessionKey),
): Session<TClaims> {
  if (typeof pair !== 'object' || pair === null) throw invalid('pair must be an object with an accessToken')
  const claims = decodeClaims<TClaims>(pair.accessToken)
  const refreshToken = pair.refreshToken ?? null
  checkRefreshToken(refreshToken)
  const { iat, exp } = claims
  const measured = iat === undefined ? 0 : iat * 1000 - now
  const skew = Math.abs(measured) >= MIN_SKEW ? measured : 0
  const session = {
    // A login's `since` is its iat, or this client's clock when the token has none.
    ...(typeof key === 'function' ? key(iat ?? Math.floor(now / 1000)) : key),
    accessToken: pair.accessToken,
    refreshToken,
    claims,
    skew,
    receivedAt: now,
    expiresAt: exp * 1000 - skew,
  }
  if (session.expiresAt <= now) throw invalid('has expired')
  return session
}

/** The key of a login made by a tab whose newest known session is `known`: past it, and not before its own `iat`. */
export const nextLogin =
  (known: SessionKey | null, family: string) =>
  (since: number): SessionKey => ({
    family,
    login: Math.max((known?.login ?? 0) + 1, since),
    since,
    gen: 0,
  })

/** The key of the pair a refresh of `from` produced. */
export const rotationOf = ({ family, login, since, gen }: SessionKey): SessionKey => ({ family, login, since, gen: gen + 1 })

/** Whether `a` supersedes `b`: a later rotation of the same login, or a later login. */
export function isNewer(a: SessionKey, b: SessionKey): boolean {
  if (a.family === b.family) return a.gen > b.gen
  if (a.login !== b.login) return a.login > b.login
  if (a.since !== b.since) return a.since > b.since
  return a.family > b.family
}

/** The newer of two keys (either may be missing). */
export const newest = <T extends SessionKey>(a: T | null, b: T | null): T | null => (!a ? b : !b || !isNewer(b, a) ? a : b)

/** Token lifetime in ms as issued, used to clamp the refresh lead for short-lived tokens. */
export function lifetimeOf(session: Session): number {
  const { iat, exp } = session.claims
  return iat === undefined ? session.expiresAt - session.receivedAt : (exp - iat) * 1000
}

/** The sessionStorage key of the stored session (and the stem of the channel and lock names), unless `storageKey` names another. */
export const DEFAULT_STORAGE_KEY = 'jwt-session'

/** The form a session takes in storage and in messages between tabs: claims are re-derived. */
export interface StoredSession extends SessionKey {
  v: 2
  accessToken: string
  refreshToken: string | null
  skew: number
  receivedAt: number
}

export function toStored(session: Session): StoredSession {
  const { accessToken, refreshToken, skew, receivedAt, family, login, since, gen } = session
  return { v: 2, accessToken, refreshToken, skew, receivedAt, family, login, since, gen }
}

const FAMILY_SHAPE = /^[\w-]{1,64}$/
const count = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0

/** Accepts anything (another tab's message, a lock name's parts); returns the key or null. */
export function parseKey(value: unknown): SessionKey | null {
  const { family, login, since, gen } = (value ?? {}) as Partial<SessionKey>
  if (typeof family !== 'string' || !FAMILY_SHAPE.test(family) || !count(login) || !count(since) || !count(gen)) return null
  return { family, login, since, gen }
}

/** Accepts anything (storage contents, another tab's message); returns null unless it is a valid session. */
export function parseStoredSession<TClaims extends JwtClaims>(value: unknown): Session<TClaims> | null {
  const { v, accessToken, refreshToken, skew, receivedAt } = (value ?? {}) as Partial<StoredSession>
  const key = parseKey(value)
  if (v !== 2 || !key || !Number.isFinite(skew) || !Number.isFinite(receivedAt)) return null
  try {
    const claims = decodeClaims<TClaims>(accessToken)
    checkRefreshToken(refreshToken)
    return {
      ...key,
      accessToken: accessToken!,
      refreshToken,
      claims,
      skew: skew!,
      receivedAt: receivedAt!,
      expiresAt: claims.exp * 1000 - skew!,
    }
  } catch {
    return null
  }
}
