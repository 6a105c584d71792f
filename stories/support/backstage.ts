// What happens behind the app's back: the server revoking things, another device, a token thief.
// These call the story's server directly (no fetch, no MSW): the app does not see them happen.
import { SignJWT, base64url, exportJWK, generateKeyPair } from 'jose'
import { FINGERPRINT_COOKIE, type AuthServer } from '../../src/testing/server'

const url = (path: string) => new URL(path, location.href)

/** The server ends the session: the access token is revoked and so is its refresh-token family. */
export async function revokeSession(server: AuthServer, accessToken: string): Promise<void> {
  server.control.revokeAccessToken(accessToken)
  const response = await server.handler(
    new Request(url('/auth/logout'), { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } }),
  )
  if (response.status !== 204) throw new Error(`/auth/logout answered ${response.status}`)
}

/** Signs the user in from another device: a second session (refresh-token family) on the server. */
export async function signInOnAnotherDevice(server: AuthServer, username: string, password: string): Promise<void> {
  const response = await server.handler(
    new Request(url('/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    }),
  )
  if (!response.ok) throw new Error(`/auth/login answered ${response.status}`)
}

/**
 * A stolen access token replayed from another browser: it carries the token but not this browser's
 * fingerprint cookie. Two workarounds are needed here, both because a browser is not a server:
 * - with `emulateCookies` the server adds this browser's cookie to any request that has none, so
 *   the thief's request must name a cookie of its own (a different fingerprint);
 * - script cannot put a `Cookie` header on a Request (a forbidden header, silently dropped), so
 *   the handler is given the request with a `headers` object that keeps it.
 */
export async function replayFromAnotherBrowser(server: AuthServer, accessToken: string, path = '/api/me'): Promise<Response> {
  const request = new Request(url(path), { headers: { authorization: `Bearer ${accessToken}` } })
  const thiefFingerprint = '0'.repeat(64)
  return server.handler(
    withCookieHeader(request, `${FINGERPRINT_COOKIE}=${thiefFingerprint}; __Host-${FINGERPRINT_COOKIE}=${thiefFingerprint}`),
  )
}

/**
 * DPoP mode: a stolen access token sent from this very browser, fingerprint cookie and all (the
 * mock server adds it), as a plain Bearer token: no proof of the key it is bound to.
 */
export function replayAsBearer(server: AuthServer, accessToken: string, path = '/api/me'): Promise<Response> {
  return server.handler(new Request(url(path), { headers: { authorization: `Bearer ${accessToken}` } }))
}

/**
 * DPoP mode: the stolen access token with a proof that is right in every way but one: it is
 * signed with the thief's own key, as the app's key cannot leave the browser. Method, URL, the
 * token's hash (`ath`), the server's current nonce (every answer carries it, here a public one's)
 * and this browser's fingerprint cookie are all as the app would send them.
 */
export async function replayWithAnotherKey(server: AuthServer, accessToken: string, path = '/api/me'): Promise<Response> {
  const target = url(path)
  const nonce = (await server.handler(new Request(url('/.well-known/jwks.json')))).headers.get('dpop-nonce')
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const ath = base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))))
  const proof = await new SignJWT({ htm: 'GET', htu: target.origin + target.pathname, ath, ...(nonce !== null && { nonce }) })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(publicKey) })
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .sign(privateKey)
  return server.handler(new Request(target, { headers: { authorization: `DPoP ${accessToken}`, dpop: proof } }))
}

function withCookieHeader(request: Request, cookie: string): Request {
  const headers = new Headers(request.headers) // a standalone Headers object may hold `cookie`
  headers.set('cookie', cookie)
  return new Proxy(request, {
    get(target, key) {
      if (key === 'headers') return headers
      const value: unknown = Reflect.get(target, key, target)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}
