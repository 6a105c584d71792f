// A `fetch` bound to the handler that keeps cookies the way one browser would, HttpOnly ones
// included. In-process tests (Node or jsdom) use it so the fingerprint cookie round-trips
// without a real browser or socket.
import { createCookieJar } from './cookieJar'
import { parseCookies } from './cookies'

/** A `fetch` bound to a handler that keeps cookies the way one browser does. */
export interface BrowserFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>
  /** The cookies the "browser" holds now, by name. Tests read HttpOnly values here. */
  cookies(): Map<string, string>
  setCookie(name: string, value: string): void
  clearCookies(): void
}

/**
 * A `fetch` for in-process tests (Node, jsdom) that sends requests to `handler` and keeps its
 * cookies, HttpOnly ones included. Not for a real browser, which drops Cookie and Set-Cookie on
 * requests and responses built by script.
 */
export function createBrowserFetch(handler: (request: Request) => Promise<Response>, options: { origin?: string } = {}): BrowserFetch {
  const origin = options.origin ?? 'http://localhost'
  let jar = createCookieJar()

  const browserFetch = (async (input, init) => {
    const request = new Request(typeof input === 'string' ? new URL(input, origin) : input, init)
    const cookies = parseCookies(request.headers.get('cookie'))
    jar.fill(cookies)
    const headers = new Headers(request.headers)
    if (cookies.size > 0) headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '))
    const response = await handler(new Request(request, { headers }))
    jar.store(response.headers.getSetCookie())
    return response
  }) as BrowserFetch

  browserFetch.cookies = () => {
    const cookies = new Map<string, string>()
    jar.fill(cookies)
    return cookies
  }
  browserFetch.setCookie = (name, value) => jar.store([`${name}=${value}`])
  browserFetch.clearCookies = () => {
    jar = createCookieJar()
  }
  return browserFetch
}
