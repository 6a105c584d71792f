// Cross-site request forgery guard for the endpoints that read or set the session cookies.
// A page on another site can make the browser POST here with those cookies attached, but without
// a CORS preflight (which this server never grants) only as a "simple" request: a form or a
// no-cors fetch, whose body cannot be application/json, and which carries that page's Origin.
// SameSite=Strict on the cookies already stops most of this; it does not stop a sibling
// subdomain (same site, other origin), and not every browser enforces it.
import { json, type RouteHandler, type RequestContext } from './http'
import type { ServerState } from './state'

/** No Origin header (a non-browser client, a test) is allowed: forgery needs a browser, which sends one on every POST. */
function originAllowed(state: ServerState, ctx: RequestContext): boolean {
  const origin = ctx.request.headers.get('origin')
  return origin === null || origin === ctx.origin || state.trustedOrigins.has(origin)
}

/** `application/json` (parameters such as charset allowed), or no body at all. */
function jsonOrEmpty(request: Request): boolean {
  const type = request.headers.get('content-type')
  if (type === null) return request.body === null
  return type.split(';')[0]!.trim().toLowerCase() === 'application/json'
}

export function guardCookieRoutes(
  state: ServerState,
  routes: Record<string, Record<string, RouteHandler>>,
): Record<string, Record<string, RouteHandler>> {
  if (state.violations.has('no-csrf-guard')) return routes
  const guard =
    (handler: RouteHandler): RouteHandler =>
    async (ctx) => {
      if (!originAllowed(state, ctx)) return json(ctx, 403, { error: 'forbidden_origin' })
      if (!jsonOrEmpty(ctx.request)) return json(ctx, 415, { error: 'unsupported_media_type' })
      return handler(ctx)
    }
  return Object.fromEntries(
    Object.entries(routes).map(([path, methods]) => [
      path,
      Object.fromEntries(Object.entries(methods).map(([method, handler]) => [method, guard(handler)])),
    ]),
  )
}
