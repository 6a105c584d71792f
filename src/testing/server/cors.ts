// CORS for an app served from another origin than this server (opt-in: `corsOrigins`). The app
// sends the session cookies (fingerprint, cookie-mode refresh token) with its requests, so every
// answer is a credentialed one: it names the exact origin, never `*` (a browser refuses `*` with
// credentials, and a wildcard would let any site read answers made with the user's cookies).

// What the library and the recipes send: urql's Accept is not one a browser lets through unasked.
const ALLOWED_HEADERS = 'Accept, Authorization, Content-Type, DPoP, X-Hasura-Role'
// What the client reads from an answer: a step-up challenge, a DPoP nonce.
const EXPOSED_HEADERS = 'WWW-Authenticate, DPoP-Nonce'
const PREFLIGHT_MAX_AGE = '600'

/** The listed origins, normalized; a TypeError for anything but an exact http(s) origin. */
export function parseCorsOrigins(values: readonly string[] | undefined): ReadonlySet<string> {
  return new Set(
    (values ?? []).map((value) => {
      const url = URL.canParse(value) ? new URL(value) : undefined
      const exact = url && !value.includes('*') && url.pathname === '/' && !url.search && !url.hash && !url.username
      if (!exact || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
        throw new TypeError(
          `createAuthServer: corsOrigins holds ${JSON.stringify(value)}; list exact origins such as "https://app.example", no wildcard`,
        )
      }
      return url.origin
    }),
  )
}

interface Cors {
  /** The answer to a preflight (OPTIONS with `Access-Control-Request-Method`); undefined for any other request. */
  preflight(request: Request): Response | undefined
  /** Adds `Vary: Origin`, and the CORS headers when the request's Origin is listed. */
  decorate(request: Request, response: Response): void
}

/** `methods`: every method the server's routes take. `anyOrigin`: the `cors-any-origin` violation. */
export function createCors(listed: ReadonlySet<string>, methods: readonly string[], anyOrigin = false): Cors {
  const origins = { has: (origin: string) => anyOrigin || listed.has(origin) }
  return {
    preflight(request) {
      if (request.method !== 'OPTIONS' || !request.headers.has('access-control-request-method')) return undefined
      const origin = request.headers.get('origin')
      if (origin === null || !origins.has(origin)) {
        const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' }
        return new Response(JSON.stringify({ error: 'forbidden_origin' }), { status: 403, headers })
      }
      const headers = new Headers({
        'access-control-allow-methods': methods.join(', '),
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': PREFLIGHT_MAX_AGE,
      })
      return new Response(null, { status: 204, headers })
    },
    decorate(request, response) {
      // Even for an origin not listed: a cache must not hand one origin's answer to another.
      response.headers.append('vary', 'Origin')
      const origin = request.headers.get('origin')
      if (origin === null || !origins.has(origin)) return
      response.headers.set('access-control-allow-origin', origin)
      response.headers.set('access-control-allow-credentials', 'true')
      response.headers.set('access-control-expose-headers', EXPOSED_HEADERS)
    },
  }
}
