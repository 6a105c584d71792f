// The reference auth server: a fetch-style handler on Web Crypto (jose), so the same code serves
// Vitest (in-process), the e2e tests and the demo (behind node:http, see ../nodeHttp.ts) and
// Storybook (through MSW in the browser).
import { createCookieJar } from './cookieJar'
import { createCors } from './cors'
import { parseCookies } from './cookies'
import { json, type RequestContext } from './http'
import { publicOrigin } from './origin'
import { buildRoutes, dispatch } from './routes'
import { createState } from './state'
import type { AuthServer, AuthServerOptions } from './types'

export type { AuthServer, AuthServerControl, AuthServerCounters, AuthServerOptions, AuthServerUser, ContractViolation } from './types'
export type { UserInput } from './users'
export type { Algorithm } from './claims'
export { FINGERPRINT_COOKIE, REFRESH_COOKIE } from './cookies'

/** The reference auth server as a fetch-style handler: login, rotating refresh with reuse detection, fingerprint cookie, logout, logout-all, protected API and a Hasura-style /graphql. */
export function createAuthServer(options: AuthServerOptions = {}): AuthServer {
  const { state, control } = createState(options)
  const routes = buildRoutes(state, control, options.exposeControl === true)
  const jar = options.emulateCookies ? createCookieJar() : undefined
  const methods = [...new Set(Object.values(routes).flatMap((route) => Object.keys(route)))].sort()
  const anyOrigin = state.violations.has('cors-any-origin')
  const cors = state.corsOrigins.size > 0 || anyOrigin ? createCors(state.corsOrigins, methods, anyOrigin) : undefined

  async function handler(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const origin = publicOrigin(request, url, state.trustProxy)
    const cookies = parseCookies(request.headers.get('cookie'))
    jar?.fill(cookies)
    const ctx: RequestContext = {
      request,
      url,
      origin,
      secure: state.secureCookies ?? origin.startsWith('https:'),
      cookies,
      setCookies: [],
    }
    let response: Response
    try {
      response = cors?.preflight(request) ?? (await dispatch(routes, ctx))
    } catch {
      // Never echo the error: it could quote a request body, and bodies carry tokens.
      ctx.setCookies.length = 0
      response = json(ctx, 500, { error: 'server_error' })
    }
    jar?.store(ctx.setCookies)
    // RFC 9449 §8: the client learns the nonce for its next proof from any response.
    const nonce = state.dpop?.nonce()
    if (nonce !== undefined) response.headers.set('dpop-nonce', nonce)
    cors?.decorate(request, response)
    if (state.violations.has('cacheable-tokens')) response.headers.delete('cache-control')
    if (response.status === 401) state.control.stats.unauthorized++
    return response
  }

  return { handler, users: state.users, control }
}
export { createBrowserFetch, type BrowserFetch } from './browserFetch'
