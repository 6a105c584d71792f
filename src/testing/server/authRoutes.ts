// /auth/*: login, refresh, logout, logout-all.
import { sha256Hex } from './bytes'
import { json, noContent, raw, readJsonObject, stringField, bearerToken, type RequestContext, type RouteHandler } from './http'
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
} from './session'
import type { ServerState } from './state'

const invalidRequest = (ctx: RequestContext) => json(ctx, 400, { error: 'invalid_request' })
const invalidGrant = (ctx: RequestContext) => json(ctx, 401, { error: 'invalid_grant' })

export function authRoutes(state: ServerState): Record<string, Record<string, RouteHandler>> {
  async function login(ctx: RequestContext): Promise<Response> {
    const body = await readJsonObject(ctx.request)
    const username = body && stringField(body, 'username')
    const password = body && stringField(body, 'password')
    if (!body || username === undefined || password === undefined) return invalidRequest(ctx)
    if (!(await state.passwords.check(username, password))) return json(ctx, 401, { error: 'invalid_credentials' })
    const user = state.users.find((u) => u.username === username)
    if (!user) return json(ctx, 401, { error: 'invalid_credentials' })
    const session = await startSession(state, user, body.cookieMode === true)
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
    if (token === undefined) return invalidRequest(ctx)
    const session = await rotate(state, token, readFingerprint(ctx))
    if (!session) return invalidGrant(ctx)
    setSessionCookies(ctx, state, session)
    return json(ctx, 200, pairBody(session))
  }

  /**
   * Revokes the family named by the refresh token and/or the access token. No fingerprint is
   * required and a recently expired access token is accepted: revocation only ever removes
   * access, and a client logging out after its cookie or token lapsed must still succeed.
   */
  async function logout(ctx: RequestContext): Promise<Response> {
    const body = (await readJsonObject(ctx.request)) ?? {}
    const families = new Set<string>()
    const refreshToken = stringField(body, 'refreshToken') ?? readRefreshCookie(ctx)
    if (refreshToken !== undefined) {
      const found = state.refresh.find(await sha256Hex(refreshToken))
      if (found) families.add(found.family.id)
    }
    const accessToken = bearerToken(ctx.request)
    if (accessToken !== undefined) {
      const verified = await state.tokens.verify(accessToken, state.refreshTtl)
      if (verified.ok) families.add(verified.claims.sid)
    }
    for (const id of families) if (state.refresh.revokeFamily(id)) state.control.stats.revocations++
    clearSessionCookies(ctx)
    return noContent(ctx)
  }

  /**
   * Force logout on every device. This kills other sessions, so unlike logout it needs proof of
   * a live session: a valid access token, or an unused refresh token, with the fingerprint.
   */
  async function logoutAll(ctx: RequestContext): Promise<Response> {
    const body = (await readJsonObject(ctx.request)) ?? {}
    let userId: string | undefined
    const access = await authenticate(state, ctx)
    if (access.ok) userId = access.user.id
    const refreshToken = stringField(body, 'refreshToken') ?? readRefreshCookie(ctx)
    if (userId === undefined && refreshToken !== undefined) {
      userId = (await checkLiveRefreshToken(state, ctx, refreshToken))?.userId
    }
    if (userId === undefined) {
      return json(ctx, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' })
    }
    state.control.stats.revocations += state.refresh.revokeUser(userId)
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
