// Session operations shared by the REST and GraphQL routes: start, rotate, authenticate.
import { constantTimeEqualText, randomToken, sha256Hex } from './bytes'
import { FINGERPRINT_COOKIE, REFRESH_COOKIE, clearCookie, cookieName, fingerprintHash, newFingerprint, serializeCookie } from './cookies'
import type { ProofResult } from './dpop'
import { authorizationToken, type RequestContext } from './http'
import type { AccessClaims } from './jwt'
import type { Family, IssuedPair, TokenRecord } from './refreshTokens'
import type { ServerState } from './state'
import type { ServerUser } from './users'

async function issuePair(state: ServerState, family: Family, user: ServerUser): Promise<{ pair: IssuedPair; hash: string }> {
  const refreshToken = randomToken(32)
  const hash = await sha256Hex(refreshToken)
  state.refresh.add(hash, family.id)
  const { token: accessToken, expiresIn } = await state.tokens.sign(user, family)
  return { pair: { accessToken, refreshToken, expiresIn }, hash }
}

export interface Session {
  pair: IssuedPair
  family: Family
  /** The raw fingerprint, for the cookie. */
  fingerprint: string
}

/** `jkt`: in DPoP mode, the thumbprint of the key the login proof was signed with. */
export async function startSession(state: ServerState, user: ServerUser, cookieMode: boolean, jkt?: string): Promise<Session> {
  state.refresh.sweep()
  const fingerprint = newFingerprint()
  const family = state.refresh.createFamily(user.id, await fingerprintHash(fingerprint), cookieMode, jkt)
  const { pair } = await issuePair(state, family, user)
  return { pair, family, fingerprint }
}

function successorUnused(state: ServerState, record: TokenRecord): boolean {
  if (record.successorHash === undefined) return true // still being issued: nobody holds it yet
  return state.refresh.find(record.successorHash)?.record.usedAt === undefined
}

/** What a refresh request presents beside the token. */
export interface RefreshProof {
  /** The raw fingerprint cookie value. */
  fingerprint: string | undefined
  /**
   * An extra hash the GraphQL action may pass, which must then match too (it can never replace
   * the cookie: the hash is in the readable access token, the cookie is what a token thief lacks).
   */
  claimedHash?: string
  /** DPoP mode: the thumbprint of the key the request's proof was signed with. */
  jkt?: string
}

/** Strict rotation, with a grace window for a retry whose response was lost. */
export async function rotate(
  state: ServerState,
  refreshToken: string,
  { fingerprint, claimedHash, jkt }: RefreshProof,
): Promise<Session | undefined> {
  const hash = await sha256Hex(refreshToken)
  const presentedHash = fingerprint === undefined ? undefined : await fingerprintHash(fingerprint)

  // No await from here until the token is marked used: two concurrent presentations of one
  // token must not both see it unused and both rotate it.
  const found = state.refresh.find(hash)
  if (!found) return undefined
  const { record, family } = found
  const now = state.now()
  if (family.revoked || record.expiresAt <= now) return undefined
  // A DPoP-bound family answers only proofs of its key (RFC 9449 §5). Checked before reuse: a
  // thief holding the token but not the key can use nothing, so a spent token presented with
  // another key is no sign that the family leaked, and must not let them log the owner out.
  if (family.jkt !== jkt) return undefined
  const user = state.usersById.get(family.userId)
  const fingerprintOk =
    presentedHash !== undefined &&
    constantTimeEqualText(presentedHash, family.fingerprintHash) &&
    (claimedHash === undefined || constantTimeEqualText(claimedHash, family.fingerprintHash))

  if (record.usedAt !== undefined) {
    // A lost response: the same client retries within the grace window and gets the very pair
    // it missed, provided nobody has moved the family on since.
    const inGrace = now - record.usedAt <= state.graceSeconds * 1000
    if (fingerprintOk && inGrace && record.replay && successorUnused(state, record)) {
      return { pair: await record.replay, family, fingerprint: fingerprint as string }
    }
    if (state.violations.has('no-reuse-detection')) return undefined
    // A spent token presented again means two parties hold this family's tokens: one is a
    // thief. We cannot tell which, so the whole family dies (OAuth 2.0 Security BCP §4.14).
    if (state.refresh.revokeFamily(family.id)) state.control.stats.revocations++
    state.control.stats.reuseEvents++
    return undefined
  }
  if (!fingerprintOk || !user) return undefined
  if (state.violations.has('no-rotation')) {
    const { token: accessToken, expiresIn } = await state.tokens.sign(user, family)
    return { pair: { accessToken, refreshToken, expiresIn }, family, fingerprint: fingerprint as string }
  }

  record.usedAt = now
  // `sliding-session`: the new tokens' session starts now, as if the user had just signed in.
  const issued = issuePair(
    state,
    state.violations.has('sliding-session') ? { ...family, authTime: now, endsAt: family.endsAt + now - family.authTime } : family,
    user,
  )
  if (state.graceSeconds > 0) {
    record.replay = issued.then((r) => r.pair)
    record.replay.catch(() => {}) // the failure is handled below; this copy must not go unhandled
  }
  try {
    const { pair, hash: next } = await issued
    record.successorHash = next
    state.control.stats.refreshes++
    return { pair, family, fingerprint: fingerprint as string }
  } catch (error) {
    // Nothing was handed out: give the token back rather than burn the session.
    record.usedAt = undefined
    delete record.replay
    throw error
  }
}

/**
 * A live token of the user: unused, unexpired, family active, fingerprint matching, and in DPoP
 * mode `jkt` (the request's proven key) the family's. No rotation.
 */
export async function checkLiveRefreshToken(
  state: ServerState,
  ctx: RequestContext,
  token: string,
  jkt: string | undefined,
): Promise<Family | undefined> {
  const found = state.refresh.find(await sha256Hex(token))
  const fingerprint = readFingerprint(ctx)
  if (!found || fingerprint === undefined) return undefined
  const { record, family } = found
  if (record.usedAt !== undefined || family.revoked || record.expiresAt <= state.now()) return undefined
  if (family.jkt !== jkt) return undefined
  return constantTimeEqualText(await fingerprintHash(fingerprint), family.fingerprintHash) ? family : undefined
}

export function readFingerprint(ctx: RequestContext): string | undefined {
  return ctx.cookies.get(cookieName(FINGERPRINT_COOKIE, ctx.secure)) || undefined
}

export function readRefreshCookie(ctx: RequestContext): string | undefined {
  return ctx.cookies.get(cookieName(REFRESH_COOKIE, ctx.secure)) || undefined
}

/**
 * The fingerprint value stays the same for the whole family; refresh re-sends it only to renew
 * Max-Age. A new value per refresh would break every other tab (the cookie jar is shared, their
 * access tokens carry the old hash) and a refresh whose response is lost would leave the
 * browser with a cookie that matches nothing. Max-Age never reaches past the session's end.
 */
export function setSessionCookies(ctx: RequestContext, state: ServerState, session: Session): void {
  const maxAge = Math.min(state.refreshTtl, (session.family.endsAt - state.now()) / 1000)
  const httpOnly = !state.violations.has('readable-cookies')
  ctx.setCookies.push(serializeCookie(cookieName(FINGERPRINT_COOKIE, ctx.secure), session.fingerprint, maxAge, ctx.secure, httpOnly))
  if (session.family.cookieMode) {
    ctx.setCookies.push(serializeCookie(cookieName(REFRESH_COOKIE, ctx.secure), session.pair.refreshToken, maxAge, ctx.secure, httpOnly))
  }
}

export function clearSessionCookies(ctx: RequestContext): void {
  ctx.setCookies.push(clearCookie(cookieName(FINGERPRINT_COOKIE, ctx.secure), ctx.secure))
  ctx.setCookies.push(clearCookie(cookieName(REFRESH_COOKIE, ctx.secure), ctx.secure))
}

/** In cookie mode the refresh token never appears in a body script can read. */
export function pairBody(session: Session): Partial<IssuedPair> {
  const { accessToken, refreshToken, expiresIn } = session.pair
  return session.family.cookieMode ? { accessToken, expiresIn } : { accessToken, refreshToken, expiresIn }
}

/**
 * The DPoP proof of a token request (RFC 9449 §5), without `ath`: `/auth/login`,
 * `/auth/refresh`, the GraphQL refresh action. Outside DPoP mode there is nothing to check.
 */
export async function tokenEndpointProof(state: ServerState, ctx: RequestContext): Promise<ProofResult | { ok: true; jkt: undefined }> {
  return state.dpop ? state.dpop.check(ctx) : { ok: true, jkt: undefined }
}

export type AccessCheck =
  | { ok: true; user: ServerUser; claims: AccessClaims }
  | { ok: false; reason: 'missing' | 'expired' | 'invalid' | 'revoked' | 'fingerprint' | 'dpop_proof' | 'dpop_nonce' }

/**
 * In DPoP mode a token comes as `Authorization: DPoP <token>` with a proof of the key in its
 * `cnf.jkt`; a bound token sent as `Bearer` is refused (RFC 9449 §7.1). The fingerprint cookie is
 * checked either way: DPoP adds a check, it replaces none, so one rule holds on every route
 * (REST, GraphQL, logout-all, the refresh grace replay) and the non-DPoP paths stay untouched.
 */
export async function authenticate(state: ServerState, ctx: RequestContext): Promise<AccessCheck> {
  const presented = authorizationToken(ctx.request)
  if (!presented || (presented.scheme === 'dpop' && !state.dpop)) return { ok: false, reason: 'missing' }
  const { token } = presented
  let jkt: string | undefined
  if (presented.scheme === 'dpop' && state.dpop) {
    const proof = await state.dpop.check(ctx, token)
    if (!proof.ok) return { ok: false, reason: proof.error === 'use_dpop_nonce' ? 'dpop_nonce' : 'dpop_proof' }
    jkt = proof.jkt
  }
  const verified = await state.tokens.verify(token)
  if (!verified.ok) return verified
  const { claims } = verified
  // Bound tokens need a proof of their key; unbound ones must not come with one.
  if (claims.cnf?.jkt !== jkt) return { ok: false, reason: 'invalid' }
  if (state.revokedJtis.has(claims.jti) || !state.refresh.isActive(claims.sid)) return { ok: false, reason: 'revoked' }
  const user = state.usersById.get(claims.sub)
  if (!user) return { ok: false, reason: 'invalid' }
  const fingerprint = readFingerprint(ctx)
  if (fingerprint === undefined || !constantTimeEqualText(await fingerprintHash(fingerprint), claims.fgp)) {
    return { ok: false, reason: 'fingerprint' }
  }
  return { ok: true, user, claims }
}
