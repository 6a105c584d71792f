// /api/*: the protected resource server, with per-user data.
import { json, readJsonObject, stringField, type RequestContext, type RouteHandler } from './http'
import type { AccessClaims } from './jwt'
import { authenticate, type AccessCheck } from './session'
import type { ServerState } from './state'
import type { ServerUser } from './users'

const MAX_TITLE = 200

/**
 * RFC 6750 answer for every access-token failure. The body says no more than the header: the
 * reason (expired, revoked, fingerprint) helps an attacker probe more than it helps a client,
 * which must react the same way to all of them. In DPoP mode the challenge is `DPoP` (RFC 9449
 * §7.1), and a proof failure is told apart, since the client must act on it: sign a new proof,
 * or retry with the nonce in the `DPoP-Nonce` header.
 */
export function unauthorized(ctx: RequestContext, state: ServerState, reason?: Exclude<AccessCheck, { ok: true }>['reason']): Response {
  if (!state.dpop) return json(ctx, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' })
  const error = reason === 'dpop_nonce' ? 'use_dpop_nonce' : reason === 'dpop_proof' ? 'invalid_dpop_proof' : 'invalid_token'
  return json(ctx, 401, { error }, { 'www-authenticate': `DPoP error="${error}", algs="ES256"` })
}

/** RFC 9470: the token is fine, but the sign-in behind it is older than this resource allows. */
function signInTooOld(ctx: RequestContext, maxAge: number): Response {
  return json(
    ctx,
    401,
    { error: 'insufficient_user_authentication' },
    {
      'www-authenticate': `Bearer error="insufficient_user_authentication", error_description="A more recent sign-in is required", max_age=${maxAge}`,
    },
  )
}

export function profile(user: ServerUser) {
  return { id: user.id, username: user.username, name: user.name, roles: [...user.roles] }
}

export function apiRoutes(state: ServerState): Record<string, Record<string, RouteHandler>> {
  const guarded =
    (run: (ctx: RequestContext, user: ServerUser, claims: AccessClaims) => Promise<Response>): RouteHandler =>
    async (ctx) => {
      const access = await authenticate(state, ctx)
      return access.ok ? run(ctx, access.user, access.claims) : unauthorized(ctx, state, access.reason)
    }

  return {
    '/api/me': { GET: guarded(async (ctx, user) => json(ctx, 200, profile(user))) },
    // A resource that wants a recent sign-in (an account settings page, a payment).
    '/api/sensitive': {
      GET: guarded(async (ctx, user, claims) => {
        const maxAge = state.recentAuthSeconds
        if (state.now() / 1000 - claims.auth_time > maxAge) return signInTooOld(ctx, maxAge)
        return json(ctx, 200, { id: user.id, signedInAt: claims.auth_time })
      }),
    },
    '/api/todos': {
      GET: guarded(async (ctx, user) => json(ctx, 200, state.todos.list(user.id))),
      POST: guarded(async (ctx, user) => {
        const body = await readJsonObject(ctx.request)
        const title = body && stringField(body, 'title')?.trim()
        if (!title || title.length > MAX_TITLE) return json(ctx, 400, { error: 'invalid_request' })
        return json(ctx, 201, state.todos.add(user.id, title))
      }),
    },
  }
}
