// A real network for the axios and ky tests: the reference server over node:http on loopback, so
// axios's own adapters (XHR in jsdom, node:http, fetch) and ky send real requests. One cookie jar
// stands for the browser's: every request that reaches the server gets its cookies (the
// fingerprint cookie the server checks with each access token), whichever client sent it.
import { restRefresh } from '../../../src/adapters/rest'
import { createAuthClient, type AuthClient } from '../../../src/core/client'
import type { TokenPair } from '../../../src/core/tokens'
import type { AuthClientOptions } from '../../../src/core'
import { serveHandler, type ServedHandler } from '../../../src/testing/nodeHttp'
import { createAuthServer, createBrowserFetch, type AuthServerOptions } from '../../../src/testing/server/index'

/** What reached the server: where, and which token it carried. */
export interface Seen {
  origin: string
  method: string
  path: string
  token: string | null
}

/** Answers a request itself (a Response), or lets the server answer (nothing). */
type Hook = (request: Request) => Response | void | Promise<Response | void>

// The page of the jsdom tests is http://localhost:3000; its XHR asks the API for CORS like a browser.
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type, dpop',
  'access-control-allow-methods': 'GET, POST',
  'access-control-expose-headers': 'www-authenticate, dpop-nonce',
}

export async function startNetwork(serverOptions: AuthServerOptions = {}) {
  const server = createAuthServer({ passwordIterations: 500, ...serverOptions })
  const browser = createBrowserFetch(server.handler)
  const seen: Seen[] = []
  let hook: Hook | null = null

  async function handle(request: Request): Promise<Response> {
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS })
    const url = new URL(request.url)
    const authorization = request.headers.get('authorization')
    seen.push({
      origin: url.origin,
      method: request.method,
      path: url.pathname,
      token: authorization?.replace(/^(?:Bearer|DPoP) /, '') ?? null,
    })
    const response = (await hook?.(request)) ?? (await browser(request))
    const headers = new Headers(response.headers)
    for (const [name, value] of Object.entries(CORS)) headers.set(name, value)
    return new Response(response.body, { status: response.status, headers })
  }

  /** The API the app talks to (allowed), and another origin that must never see its token. */
  const api: ServedHandler = await serveHandler(handle)
  const other: ServedHandler = await serveHandler(handle)

  /** Sends over the network, seen like any other request: the `fetch` of a client or an adapter. */
  const send: typeof fetch = (input, init) => handle(new Request(input, init))

  /** A tab on its own whose `auth.fetch` sends over the network, with `api` allowed. */
  function createClient(options: Partial<AuthClientOptions> = {}): AuthClient {
    return createAuthClient({
      // The refresh request is counted in `seen` like any other.
      refresh: restRefresh({ url: `${api.url}/auth/refresh`, fetch: send }),
      allowedOrigins: [api.url],
      storage: null,
      channel: null,
      locks: null,
      wakeEvents: () => () => {},
      ...options,
    })
  }

  /** Signs `username` in at the server, as the app's login form would. */
  async function signIn(username = 'alice'): Promise<TokenPair> {
    const response = await browser(`${api.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: `${username}-password` }),
    })
    return (await response.json()) as TokenPair
  }

  /** A signed-in client whose access token the server has just revoked: its next requests get 401. */
  async function staleSession(): Promise<{ auth: AuthClient; stale: string }> {
    const auth = createClient()
    const pair = await signIn()
    auth.login(pair)
    server.control.revokeAccessToken(pair.accessToken)
    seen.length = 0
    server.control.resetCounters()
    return { auth, stale: pair.accessToken }
  }

  return {
    api: api.url,
    other: other.url,
    server,
    seen,
    send,
    signIn,
    createClient,
    staleSession,
    /** API requests only (refreshes counted apart), in arrival order. */
    apiRequests: () => seen.filter((r) => r.path.startsWith('/api/')),
    refreshRequests: () => seen.filter((r) => r.path === '/auth/refresh'),
    intercept(next: Hook | null) {
      hook = next
    },
    async close() {
      await Promise.all([api.close(), other.close()])
    },
  }
}

export type Network = Awaited<ReturnType<typeof startNetwork>>

/** The HTTP status of an axios or ky error, or undefined for any other error. */
export const statusOf = (error: unknown): number | undefined => (error as { response?: { status?: number } }).response?.status
