// /graphql: a small Hasura look-alike. Not a GraphQL engine: it recognises the operations the
// library's adapters and recipes send (a `me`/`todos` query, the guide's `refreshJwtToken` action,
// a `logout` mutation) and answers in Hasura's shapes, including HTTP 200 for auth failures.
// `whoami` echoes the session Hasura would run the query as, so tests can see which role
// `x-hasura-role` chose.
import { getHasuraClaims } from '../../core/hasura'
import { json, raw, readJsonObject, type RequestContext, type RouteHandler } from './http'
import { profile } from './apiRoutes'
import { endEverySession, endNamedSessions } from './authRoutes'
import {
  authenticate,
  clearSessionCookies,
  readFingerprint,
  readRefreshCookie,
  rotate,
  setSessionCookies,
  tokenEndpointProof,
  type AccessCheck,
} from './session'
import type { ServerState } from './state'

type Failure = Exclude<AccessCheck, { ok: true }>['reason']

// Hasura's own wording where it has one (clients match on "JWTExpired" to decide to refresh).
const MESSAGES: Record<Failure, string> = {
  missing: "Missing 'Authorization' header in JWT authenticated mode",
  expired: 'Could not verify JWT: JWTExpired',
  invalid: 'Could not verify JWT: JWSError JWSInvalidSignature',
  revoked: 'Could not verify JWT: JWTRevoked',
  fingerprint: 'Could not verify JWT: JWTFingerprintMismatch',
  dpop_proof: 'Could not verify JWT: invalid_dpop_proof',
  dpop_nonce: 'Could not verify JWT: use_dpop_nonce',
}

function gqlError(ctx: RequestContext, message: string, code: string): Response {
  return json(ctx, 200, { errors: [{ message, extensions: { code, path: '$' } }] })
}

/** Reads an argument from `variables`, else from a string literal written inline in the query. */
function argument(query: string, variables: Record<string, unknown>, name: string): string | undefined {
  const fromVariables = variables[name]
  if (typeof fromVariables === 'string' && fromVariables !== '') return fromVariables
  const inline = new RegExp(`\\b${name}\\s*:\\s*"([^"\\\\]*)"`).exec(query)
  return inline?.[1] || undefined
}

/** A Boolean argument, from `variables` or written inline (`everywhere: true`). */
function flag(query: string, variables: Record<string, unknown>, name: string): boolean {
  if (typeof variables[name] === 'boolean') return variables[name]
  return new RegExp(`\\b${name}\\s*:\\s*true\\b`).test(query)
}

/** Keeps the fields listed in `field { a b c }` (one flat level, which is all these types have). */
function select<T extends object>(query: string, field: string, value: T): Partial<T> {
  const selection = new RegExp(`\\b${field}\\s*\\{([^{}]*)\\}`).exec(query)?.[1]
  if (selection === undefined) return value
  const wanted = new Set(selection.match(/[A-Za-z_]\w*/g) ?? [])
  return Object.fromEntries(Object.entries(value).filter(([key]) => wanted.has(key))) as Partial<T>
}

export function graphqlRoutes(state: ServerState): Record<string, Record<string, RouteHandler>> {
  async function refreshAction(ctx: RequestContext, query: string, variables: Record<string, unknown>): Promise<Response> {
    const gate = await state.control.beforeRefresh(ctx.request.signal)
    if (gate.kind === 'aborted') return json(ctx, 503, { error: 'client_closed_request' })
    if (gate.kind === 'fail') return raw(ctx, gate.failure.status, gate.failure.body, gate.failure.contentType)
    const token = argument(query, variables, 'refreshToken') ?? readRefreshCookie(ctx)
    if (token === undefined) return gqlError(ctx, 'missing required argument "refreshToken"', 'validation-failed')
    // DPoP mode: this action is a token endpoint like /auth/refresh, with the same proof rules.
    const proof = await tokenEndpointProof(state, ctx)
    if (!proof.ok) return gqlError(ctx, proof.error, proof.error)
    const session = await rotate(state, token, {
      fingerprint: readFingerprint(ctx),
      claimedHash: argument(query, variables, 'fingerprintHash'),
      jkt: proof.jkt,
    })
    if (!session) {
      state.control.stats.unauthorized++
      return gqlError(ctx, 'invalid_grant', 'invalid_grant')
    }
    setSessionCookies(ctx, state, session)
    const { accessToken, refreshToken, expiresIn } = session.pair
    const result: Record<string, unknown> = { jwt: accessToken, refreshToken: session.family.cookieMode ? null : refreshToken }
    if (/\bexpiresIn\b/.test(query)) result.expiresIn = expiresIn
    return json(ctx, 200, { data: { refreshJwtToken: result } })
  }

  /**
   * `logout(refreshToken, everywhere) { ok }`: the same revocation as `POST /auth/logout`, and
   * with `everywhere: true` as `POST /auth/logout-all` (which needs a live session). Like them it
   * runs without a valid JWT: the tokens only name what to end.
   */
  async function logoutAction(ctx: RequestContext, query: string, variables: Record<string, unknown>): Promise<Response> {
    const refreshToken = argument(query, variables, 'refreshToken')
    if (flag(query, variables, 'everywhere')) {
      const ended = await endEverySession(state, ctx, refreshToken)
      if (!ended.ok) {
        state.control.stats.unauthorized++
        return gqlError(ctx, MESSAGES[ended.reason], 'invalid-jwt')
      }
      clearSessionCookies(ctx)
    } else {
      await endNamedSessions(state, ctx, refreshToken) // clears the cookies when they are the ended session's
    }
    return json(ctx, 200, { data: { logout: select(query, 'logout', { ok: true }) } })
  }

  async function graphql(ctx: RequestContext): Promise<Response> {
    const body = await readJsonObject(ctx.request)
    const query = body?.query
    const variables = body?.variables ?? {}
    if (typeof query !== 'string' || typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
      return gqlError(ctx, 'expected a JSON object with a "query" string', 'parse-failed')
    }
    const vars = variables as Record<string, unknown>
    // The refresh action is callable without a valid JWT: that is its whole point.
    if (query.includes('refreshJwtToken')) return refreshAction(ctx, query, vars)
    if (/\blogout\b/.test(query)) return logoutAction(ctx, query, vars)

    const access = await authenticate(state, ctx)
    if (!access.ok) {
      state.control.stats.unauthorized++
      return gqlError(ctx, MESSAGES[access.reason], 'invalid-jwt')
    }
    // Hasura runs the request as `x-hasura-role` when the token allows that role, else refuses it.
    const session = getHasuraClaims(access.claims)
    const asked = ctx.request.headers.get('x-hasura-role')
    if (asked !== null && !session?.allowedRoles.includes(asked)) {
      return gqlError(ctx, 'Your requested role is not in allowed roles', 'access-denied')
    }
    const role = asked ?? session?.defaultRole ?? null
    const data: Record<string, unknown> = {}
    if (/\bwhoami\b/.test(query)) data.whoami = select(query, 'whoami', { userId: access.user.id, role })
    if (/\bme\b/.test(query)) data.me = select(query, 'me', profile(access.user))
    if (/\btodos\b/.test(query)) data.todos = state.todos.list(access.user.id).map((todo) => select(query, 'todos', todo))
    if (Object.keys(data).length === 0) return gqlError(ctx, "field not found in type: 'query_root'", 'validation-failed')
    return json(ctx, 200, { data })
  }

  return { '/graphql': { POST: graphql } }
}
