// The network of the recipe examples: every `fetch` goes to one reference auth server, in process,
// through a cookie jar that behaves like one browser (so the HttpOnly fingerprint cookie
// round-trips). Hasura's URL is served by the reference server's Hasura look-alike at /graphql.
import { vi } from 'vitest'
import { createAuthServer, createBrowserFetch, type AuthServerOptions } from '../../../src/testing/server/index'

export const HASURA_ORIGIN = 'https://my-app.hasura.app'

/** What reached the server: method, path and the Authorization header. */
export interface SeenRequest {
  method: string
  url: string
  authorization: string | null
}

export function stubNetwork(options: AuthServerOptions = {}) {
  const server = createAuthServer({ passwordIterations: 1000, ...options })
  const browser = createBrowserFetch(server.handler, { origin: location.origin })
  const seen: SeenRequest[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(typeof input === 'string' ? new URL(input, location.href) : input, init)
    seen.push({ method: request.method, url: request.url, authorization: request.headers.get('authorization') })
    const url = new URL(request.url)
    // https://my-app.hasura.app/v1/graphql → the reference server's /graphql
    const path = url.origin === HASURA_ORIGIN ? url.pathname.replace(/^\/v1\//, '/') : url.pathname
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer()
    return browser(new URL(path + url.search, location.origin).href, {
      method: request.method,
      headers: request.headers,
      body,
      signal: request.signal,
    })
  })
  vi.stubGlobal('fetch', fetch)

  /** Signs `username` in at the reference server, as the app's own login request would. */
  async function signIn(username = 'alice') {
    const response = await browser('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: `${username}-password` }),
    })
    return (await response.json()) as { accessToken: string; refreshToken: string }
  }

  const graphqlRequests = () => seen.filter((r) => r.url === `${HASURA_ORIGIN}/v1/graphql`)
  return { server, fetch, seen, signIn, graphqlRequests }
}
