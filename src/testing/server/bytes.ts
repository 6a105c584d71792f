// Byte helpers on Web Crypto only (globalThis.crypto), so the server also runs in a browser
// (Storybook through MSW). No node: imports in this folder.

const encoder = new TextEncoder()

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text)
}

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length)
  crypto.getRandomValues(bytes)
  return bytes
}

export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}

export function randomHex(length: number): string {
  return toHex(randomBytes(length))
}

/** Opaque token text: base64url without padding, safe in JSON, headers and cookies. */
export function randomToken(length: number): string {
  let binary = ''
  for (const byte of randomBytes(length)) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text))))
}

/**
 * Compares two byte strings in time that depends only on their lengths, never on where they
 * first differ. An early-exit `===` returns sooner the earlier the first mismatch is, so an
 * attacker who can time many guesses learns a secret (a fingerprint hash, a password hash)
 * one byte at a time. Here every byte is visited and differences are OR-ed together.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const length = Math.max(a.length, b.length)
  let diff = a.length ^ b.length
  for (let i = 0; i < length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

export function constantTimeEqualText(a: string, b: string): boolean {
  return constantTimeEqual(utf8(a), utf8(b))
}
