// The reference server over HTTP on 127.0.0.1 for the checker's tests, recording every secret that
// crossed the wire (tokens, cookie values, DPoP proofs) so a test can assert none reached the output.
import { serveHandler } from '../../../src/testing/nodeHttp'
import { createAuthServer, type AuthServerOptions } from '../../../src/testing/server/index'
import type { CheckServerConfig } from '../../../src/testing/index'

export const APP_ORIGIN = 'http://localhost:5173'

export interface ServedReference {
  url: string
  /** Requests the server received. */
  requests(): number
  /** Every token, cookie value and proof seen in a request or an answer. */
  secrets(): string[]
  close(): Promise<void>
}

const SECRET_FIELDS = ['accessToken', 'refreshToken', 'access_token', 'refresh_token']

export async function serveReference(options: AuthServerOptions = {}): Promise<ServedReference> {
  const server = createAuthServer({ passwordIterations: 1000, ...options })
  const secrets = new Set<string>()
  let requests = 0
  const add = (value: string | null | undefined) => {
    if (value && value.length >= 8) secrets.add(value)
  }
  const served = await serveHandler(async (request) => {
    requests++
    add(request.headers.get('dpop'))
    add(/^\S+\s+(\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1])
    const response = await server.handler(request)
    for (const cookie of response.headers.getSetCookie()) add(cookie.split(';', 1)[0]!.split('=').slice(1).join('='))
    const body = (await response
      .clone()
      .json()
      .catch(() => null)) as Record<string, unknown> | null
    for (const field of SECRET_FIELDS) if (typeof body?.[field] === 'string') add(body[field] as string)
    return response
  })
  return { url: served.url, requests: () => requests, secrets: () => [...secrets], close: served.close }
}

/** Sign in as the seeded alice; cookie mode, DPoP and the app origin as asked. */
export function configFor(url: string, { cookie = false, dpop = false, app = false } = {}): CheckServerConfig {
  return {
    baseUrl: url,
    login: { body: { username: 'alice', password: 'alice-password', ...(cookie ? { cookieMode: true } : {}) } },
    mode: cookie ? 'cookie' : 'body',
    dpop,
    ...(app ? { appOrigin: APP_ORIGIN } : {}),
  }
}
