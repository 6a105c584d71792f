import type { JwtClaims } from '../core/tokens'

function base64url(value: string): string {
  const bytes = new TextEncoder().encode(value)
  let binary = ''
  bytes.forEach((byte) => (binary += String.fromCharCode(byte)))
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

let serial = 0

/**
 * A JWT for client-side tests. The client never verifies signatures (the server does), so the
 * signature is a placeholder; `iat`/`exp` come from `now` (default `Date.now()`, which fake timers
 * control) and `expiresIn` seconds (default 900). Every call yields a distinct token.
 */
export function createTestJwt<TClaims extends Record<string, unknown> = Record<string, unknown>>(
  claims: TClaims = {} as TClaims,
  options: { expiresIn?: number; now?: number } = {},
): string {
  const iat = Math.floor((options.now ?? Date.now()) / 1000)
  const payload: JwtClaims = { sub: 'user-1', iat, exp: iat + (options.expiresIn ?? 900), jti: `test-${++serial}`, ...claims }
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  return `${header}.${base64url(JSON.stringify(payload))}.${base64url(`test-signature-${serial}`)}`
}
