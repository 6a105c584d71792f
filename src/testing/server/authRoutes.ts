// /auth/*: login, refresh, logout, logout-all.
import { sha256Hex } from './bytes'
import { fingerprintHash } from './cookies'
import { unauthorized } from './apiRoutes'
import { json, noContent, raw, readJsonObject, stringField, authorizationToken, type RequestContext, type RouteHandler } from './http'
import {
  authenticate,
  checkLiveRefreshToken,
  clearSessionCookies,
  pairBody,
  readFingerprint,
  readRefreshCookie,
  rotate,
  setSessionCookies,
  startSession,
  tokenEndpointProof,
  type AccessCheck,
} from './session'
import type { ServerState } from './state'

const invalidRequest = (ctx: RequestContext) => json(ctx, 400, { error: 'invalid_request' })
const invalidGrant = (ctx: RequestContext) => json(ctx, 401, { error: 'invalid_grant' })

export function authRoutes(state: ServerState): Record<string, Record<string, RouteHandler>> {
  /** A refresh refused for its token; 500 under the `server-error-on-refusal` violation. */
  const refuse = (ctx: RequestContext, answer: (ctx: RequestContext) => Response) =>
    state.violations.has('server-error-on-refusal') ? json(ctx, 500, { error: 'server_error' }) : answer(ctx)

  async function login(ctx: RequestContext): Promise<Response> {
    const body = await readJsonObject(ctx.request)
    const username = body && stringField(body, 'username')
    const password = body && stringField(body, 'password')
    if (!body || username === undefined || password === undefined) return invalidRequest(ctx)
    // Before the password: a nonce challenge must not cost a PBKDF2 run or a failed-login count.
    const proof = await tokenEndpointProof(state, ctx)
    if (!proof.ok) return json(ctx, 400, { error: proof.error })
    if (!(await state.passwords.check(username, password))) return json(ctx, 401, { error: 'invalid_credentials' })
    const user = state.users.find((u) => u.username === username)
    if (!user) return json(ctx, 401, { error: 'invalid_credentials' })
    const session = await startSession(state, user, body.cookieMode === true, proof.jkt)
    setSessionCookies(ctx, state, session)
    state.control.stats.logins++
    return json(ctx, 200, pairBody(session))
  }

  async function refresh(ctx: RequestContext): Promise<Response> {
    const body = await readJsonObject(ctx.request)
    const gate = await state.control.beforeRefresh(ctx.request.signal)
    // Nobody is listening any more; the status only has to be valid.
    if (gate.kind === 'aborted') return json(ctx, 503, { error: 'client_closed_request' })
    if (gate.kind === 'fail') return raw(ctx, gate.failure.status, gate.failure.body, gate.failure.contentType)
    if (!body) return invalidRequest(ctx)
    const token = stringField(body, 'refreshToken') ?? readRefreshCookie(ctx)
    if (token === undefined) return refuse(ctx, invalidRequest)
    // The proof before the token: a challenged attempt leaves the refresh token unspent.
    const proof = await tokenEndpointProof(state, ctx)
    if (!proof.ok) return json(ctx, 400, { error: proof.error })
    // A proof of another key than the family's is invalid_grant, like any token this client may
    // not use (RFC 9449 §5 binds the token; the proof itself was valid). rotate() refuses it
    // without calling it reuse.
    const session = await rotate(state, token, { fingerprint: readFingerprint(ctx), jkt: proof.jkt })
    if (!session) return refuse(ctx, invalidGrant)
    setSessionCookies(ctx, state, session)
    return json(ctx, 200, pairBody(session))
  }

  async function logout(ctx: RequestContext): Promise<Response> {
    const body = (await readJsonObject(ctx.request)) ?? {}
    // A page that closed before its logout arrived never ends its session (unless sent keepalive).
    if (!(await state.control.beforeLogout(ctx.request.signal))) return json(ctx, 503, { error: 'client_closed_request' })
    if (!state.violations.has('logout-keeps-session')) await endNamedSessions(state, ctx, stringField(body, 'refreshToken'))
    return noContent(ctx)
  }

  async function logoutAll(ctx: RequestContext): Promise<Response> {
    const body = (await readJsonObject(ctx.request)) ?? {}
    const ended = await endEverySession(state, ctx, stringField(body, 'refreshToken'))
    if (!ended.ok) return unauthorized(ctx, state, ended.reason)
    clearSessionCookies(ctx)
    return noContent(ctx)
  }

  return {
    '/auth/login': { POST: login },
    '/auth/refresh': { POST: refresh },
    '/auth/logout': { POST: logout },
    '/auth/logout-all': { POST: logoutAll },
  }
}

/**
 * Logout (`POST /auth/logout`, the GraphQL `logout` mutation): revokes the family named by the
 * access token and/or the body's refresh token, else the cookie's; clears the cookies of what it
 * ended (and only those). No fingerprint is
 * required and a recently expired access token is accepted: revocation only ever removes access,
 * and a client logging out after its cookie or token lapsed must still succeed.
 */
export async function endNamedSessions(state: ServerState, ctx: RequestContext, refreshToken: string | undefined): Promise<void> {
  const families = new Set<string>()
  const cookie = readRefreshCookie(ctx)
  const familyOf = async (token: string) => state.refresh.find(await sha256Hex(token))?.family.id
  // In DPoP mode either scheme, without a proof: like the refresh token in the body, the
  // access token here only names the session to end.
  const presented = authorizationToken(ctx.request)
  const accessToken = presented?.scheme === 'bearer' || state.dpop ? presented?.token : undefined
  if (accessToken !== undefined) {
    const verified = await state.tokens.verify(accessToken, state.refreshTtl)
    if (verified.ok) families.add(verified.claims.sid)
  }
  const named = refreshToken === undefined ? undefined : await familyOf(refreshToken)
  if (named !== undefined) families.add(named)
  // The cookie names the browser's current login, which may be newer than the one this request
  // ends (a tab that slept through a new sign-in): it counts only when nothing else names one.
  const current = cookie === undefined ? undefined : await familyOf(cookie)
  if (current !== undefined && families.size === 0) families.add(current)
  for (const id of families) if (state.refresh.revokeFamily(id)) state.control.stats.revocations++
  await clearCookiesOf(state, ctx, families, current)
}

/**
 * Clears the browser's session cookies only where they belong to a session this logout named. A
 * late logout of an older login (a tab that slept through a newer sign-in, a revoke retried) must
 * not sign the browser's newer login out: its cookies carry another family's token and fingerprint.
 */
async function clearCookiesOf(
  state: ServerState,
  ctx: RequestContext,
  ended: Set<string>,
  cookieFamily: string | undefined,
): Promise<void> {
  if (cookieFamily !== undefined) return ended.has(cookieFamily) ? clearSessionCookies(ctx) : undefined
  // No refresh cookie (or one that names nothing): the fingerprint says whose the cookies are.
  const fingerprint = readFingerprint(ctx)
  const hash = fingerprint === undefined ? undefined : await fingerprintHash(fingerprint)
  if (ended.size === 0 || [...ended].some((id) => state.refresh.family(id)?.fingerprintHash === hash)) clearSessionCookies(ctx)
}

/**
 * Logout everywhere (`POST /auth/logout-all`, the GraphQL `logout(everywhere: true)`). This kills
 * other sessions, so unlike logout it needs proof of a live session: a valid access token, or an
 * unused refresh token (the body's, else the cookie's), with the fingerprint.
 */
export async function endEverySession(
  state: ServerState,
  ctx: RequestContext,
  refreshToken: string | undefined,
): Promise<{ ok: true } | Exclude<AccessCheck, { ok: true }>> {
  let userId: string | undefined
  const access = await authenticate(state, ctx)
  let failure = access.ok ? undefined : access.reason
  if (access.ok) userId = access.user.id
  const named = refreshToken ?? readRefreshCookie(ctx)
  if (userId === undefined && named !== undefined) {
    // In DPoP mode the refresh token needs its key's proof too. A proof already spent on the
    // access token above fails here as a replay: send a valid access token, or no
    // Authorization header and a fresh proof.
    const proof = await tokenEndpointProof(state, ctx)
    if (proof.ok) userId = (await checkLiveRefreshToken(state, ctx, named, proof.jkt))?.userId
    else failure = proof.error === 'use_dpop_nonce' ? 'dpop_nonce' : 'dpop_proof'
  }
  if (userId === undefined) return { ok: false, reason: failure ?? 'missing' }
  state.control.stats.revocations += state.refresh.revokeUser(userId)
  return { ok: true }
}
