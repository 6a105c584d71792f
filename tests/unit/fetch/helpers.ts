import { vi } from 'vitest'
import type { AuthClientOptions, RefreshContext } from '../../../src/core'
import type { TokenPair } from '../../../src/core/tokens'
import { createTestJwt } from '../../../src/testing'
import { standaloneClient } from '../../support/session'

export const ORIGIN = 'http://localhost:3000' // the jsdom page

export interface Seen {
  url: string
  method: string
  authorization: string | null
  credentials: RequestCredentials
  body: string | null
}

export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/**
 * A stub API behind the base fetch: it accepts the tokens in `valid` (the refresh adds each one it
 * issues) and answers 401 to anything else. `seen` records what reached the network.
 */
export function createApi() {
  const valid = new Set<string>()
  const seen: Seen[] = []
  let handler = (_request: Request, token: string | null): Response | Promise<Response> =>
    token !== null && valid.has(token) ? json({ ok: true }) : json({ error: 'invalid_token' }, 401)
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // Like a browser, resolve a relative URL against the page (client.fetch passes other origins' requests as given).
    const request = new Request(typeof input === 'string' ? new URL(input, location.href) : input, init)
    const authorization = request.headers.get('authorization')
    const body = request.body ? await request.clone().text() : null
    seen.push({ url: request.url, method: request.method, authorization, credentials: request.credentials, body })
    return handler(request, authorization?.replace(/^Bearer /, '') ?? null)
  })
  return {
    valid,
    seen,
    fetch,
    respond(next: typeof handler) {
      handler = next
    },
  }
}

export type Api = ReturnType<typeof createApi>

/** A standalone tab whose `client.fetch` wraps the stub API; the refresh issues API-valid tokens. */
export function setup(options: Partial<AuthClientOptions> = {}) {
  const api = createApi()
  let rotation = 0
  const refresh = vi.fn(async (_context: RefreshContext): Promise<TokenPair> => {
    const accessToken = createTestJwt({ sub: 'user-1' })
    api.valid.add(accessToken)
    return { accessToken, refreshToken: `rt-${++rotation}` }
  })
  const { client } = standaloneClient({ refresh, fetch: api.fetch as typeof fetch, ...options })
  /** Logs in; `accepted: false` makes the API answer this token with 401 (revoked server-side). */
  const login = ({ expiresIn = 900, accepted = true } = {}) => {
    const accessToken = createTestJwt({ sub: 'user-1' }, { expiresIn })
    if (accepted) api.valid.add(accessToken)
    client.login({ accessToken, refreshToken: 'rt-0' })
    return accessToken
  }
  return { client, api, refresh, login }
}

export function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}
