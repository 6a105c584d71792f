// Path + method dispatch: 404 for unknown paths, 405 (with Allow) for a known path's wrong method.
import { apiRoutes } from './apiRoutes'
import { authRoutes } from './authRoutes'
import { controlRoutes } from './control'
import { guardCookieRoutes } from './csrf'
import { graphqlRoutes } from './graphql'
import { json, type RequestContext, type RouteHandler } from './http'
import type { ServerState } from './state'
import type { AuthServerControl } from './types'

export type RouteTable = Record<string, Record<string, RouteHandler>>

export function buildRoutes(state: ServerState, control: AuthServerControl, exposeControl: boolean): RouteTable {
  return {
    // These read or set the session cookies; /api/* needs a Bearer token, which no other site can send.
    ...guardCookieRoutes(state, { ...authRoutes(state), ...graphqlRoutes(state) }),
    ...apiRoutes(state),
    // Public keys only; lets an API gateway (or a test) verify ES256 tokens. Empty for HS256.
    '/.well-known/jwks.json': { GET: async (ctx) => json(ctx, 200, await state.tokens.jwks()) },
    ...(exposeControl ? controlRoutes(control) : {}),
  }
}

export function dispatch(routes: RouteTable, ctx: RequestContext): Promise<Response> {
  const methods = Object.hasOwn(routes, ctx.url.pathname) ? routes[ctx.url.pathname] : undefined
  if (!methods) return Promise.resolve(json(ctx, 404, { error: 'not_found' }))
  const handler = Object.hasOwn(methods, ctx.request.method) ? methods[ctx.request.method] : undefined
  if (!handler) {
    return Promise.resolve(json(ctx, 405, { error: 'method_not_allowed' }, { allow: Object.keys(methods).join(', ') }))
  }
  return handler(ctx)
}
