// The network of the recipe examples: every `fetch` goes to one reference auth server, in process,
// through a cookie jar that behaves like one browser (so the HttpOnly fingerprint cookie
// round-trips). Hasura's URL is served by the reference server's Hasura look-alike at /graphql.
//
// `serveCrossOrigin` puts the API on another origin for real: see there.
import { vi } from 'vitest'
import { serveHandler } from '../../../src/testing/nodeHttp'
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

/**
 * The app on the page's origin (jsdom's `location`), the API on another: the reference server over
 * HTTP on 127.0.0.1 with `corsOrigins: [location.origin]` (unless `options` says otherwise), and
 * every `fetch` sent through jsdom's XMLHttpRequest, which enforces CORS as a browser does
 * (preflight, `Access-Control-Allow-Origin`, `-Credentials` for a request with credentials) and
 * keeps the API's cookies in the page's jar, sent only with `credentials: 'include'`. (jsdom's
 * `fetch` is Node's, which knows no CORS.) Hasura's URL goes to the server's /graphql.
 */
export async function serveCrossOrigin(options: AuthServerOptions = {}) {
  const server = createAuthServer({ passwordIterations: 1000, corsOrigins: [location.origin], ...options })
  const served = await serveHandler(server.handler)
  const seen: SeenRequest[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(typeof input === 'string' ? new URL(input, location.href) : input, init)
    seen.push({ method: request.method, url: request.url, authorization: request.headers.get('authorization') })
    const url = new URL(request.url)
    const target = url.origin === HASURA_ORIGIN ? `${served.url}${url.pathname.replace(/^\/v1\//, '/')}${url.search}` : url.href
    return sendByXhr(target, request)
  })
  vi.stubGlobal('fetch', fetch)

  /** Signs `username` in from the page, as the app's own login request would: cross-origin, with credentials. */
  async function signIn(username = 'alice') {
    const response = await fetch(`${served.url}/auth/login`, {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: `${username}-password` }),
    })
    return (await response.json()) as { accessToken: string; refreshToken: string }
  }

  const graphqlRequests = () => seen.filter((r) => r.url === `${HASURA_ORIGIN}/v1/graphql`)
  return { server, url: served.url, fetch, seen, signIn, graphqlRequests, close: () => served.close() }
}

/** `request`, sent to `url` by jsdom's XMLHttpRequest; rejects with a TypeError where a browser's fetch would (CORS included). */
async function sendByXhr(url: string, request: Request): Promise<Response> {
  const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.text()
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open(request.method, url)
    xhr.withCredentials = request.credentials === 'include'
    request.headers.forEach((value, name) => xhr.setRequestHeader(name, value))
    xhr.onload = () => {
      const headers = new Headers()
      for (const line of xhr.getAllResponseHeaders().split('\r\n')) {
        const colon = line.indexOf(':')
        if (colon > 0) headers.append(line.slice(0, colon), line.slice(colon + 1).trim())
      }
      const empty = xhr.status === 204 || xhr.status === 205 || xhr.status === 304
      resolve(new Response(empty ? null : xhr.responseText, { status: xhr.status, headers }))
    }
    xhr.onerror = () => reject(new TypeError('Failed to fetch'))
    xhr.onabort = () => reject(request.signal.reason)
    request.signal.addEventListener('abort', () => xhr.abort(), { once: true })
    xhr.send(body)
  })
}
