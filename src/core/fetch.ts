import { AuthError } from './errors'

/** What the fetcher needs from the client. */
export interface TokenSource {
  getAccessToken(): Promise<string | null>
  refresh(options: { staleToken: string }): Promise<string>
}

export interface AuthFetchOptions {
  /** Origins that receive the Bearer header. Default: the page's own origin. */
  allowedOrigins?: string[]
  /** The fetch to wrap. Default: the global `fetch`, looked up at call time. */
  baseFetch?: typeof fetch
}

/**
 * `fetch` with the session's Bearer token for allowed origins. A 401 refreshes once (sharing the
 * client's in-flight refresh) and replays the request once; a second 401 goes to the caller.
 */
export function createAuthFetch(source: TokenSource, options: AuthFetchOptions = {}) {
  const allowed = () => options.allowedOrigins ?? (typeof location === 'undefined' ? [] : [location.origin])
  const send = (request: Request) => (options.baseFetch ?? fetch)(request)

  async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init)
    if (!allowed().includes(new URL(request.url).origin)) return send(request)
    const token = await source.getAccessToken()
    if (token === null) throw new AuthError('unauthenticated', 'There is no session to authenticate this request.')
    // Clone before the first send: a streamed body can be read only once.
    const replay = request.clone()
    const response = await send(withBearer(request, token))
    if (response.status !== 401) return response
    const fresh = await source.refresh({ staleToken: token })
    return send(withBearer(replay, fresh))
  }

  async function getAuthHeaders(): Promise<Record<string, string>> {
    const token = await source.getAccessToken()
    if (token === null) throw new AuthError('unauthenticated', 'There is no session to authenticate with.')
    return { Authorization: `Bearer ${token}` }
  }

  return { fetch: authFetch, getAuthHeaders }
}

function withBearer(request: Request, token: string): Request {
  const headers = new Headers(request.headers)
  headers.set('Authorization', `Bearer ${token}`)
  return new Request(request, { headers })
}
