// Cookie names and attributes for the fingerprint (OWASP "token sidejacking") and cookie-mode
// refresh token. Both are HttpOnly so page script (and any XSS) can never read them.
import { randomHex, sha256Hex } from './bytes'

/** Name of the fingerprint cookie on http (`__Host-` prefixed on https). */
export const FINGERPRINT_COOKIE = 'jwt-fgp'
/** Name of the refresh-token cookie in cookie mode (`__Host-` prefixed on https). */
export const REFRESH_COOKIE = 'jwt-rt'

/**
 * Over HTTPS the `__Host-` prefix makes the browser refuse the cookie unless it is Secure,
 * Path=/ and has no Domain: no subdomain or plain-HTTP page can plant or overwrite it.
 */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base
}

export function parseCookies(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>()
  if (!header) return cookies
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const name = part.slice(0, eq).trim()
    // First occurrence wins, like browsers send the most specific cookie first.
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim())
  }
  return cookies
}

/** `httpOnly: false` only for the `readable-cookies` violation. */
export function serializeCookie(name: string, value: string, maxAgeSeconds: number, secure: boolean, httpOnly = true): string {
  const attributes = [
    `${name}=${value}`,
    ...(httpOnly ? ['HttpOnly'] : []),
    'SameSite=Strict',
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
  ]
  if (secure) attributes.push('Secure')
  return attributes.join('; ')
}

export function clearCookie(name: string, secure: boolean): string {
  return serializeCookie(name, '', 0, secure)
}

/** 32 random bytes, hex: the raw fingerprint that only ever travels in the HttpOnly cookie. */
export function newFingerprint(): string {
  return randomHex(32)
}

/** What goes into the access token's `fgp` claim: the token is readable by script, the cookie is not. */
export function fingerprintHash(fingerprint: string): Promise<string> {
  return sha256Hex(fingerprint)
}
