// PBKDF2-SHA256 password hashes on Web Crypto. (DESIGN.md says scrypt, but Web Crypto has no
// scrypt and this module must run in the browser too; PBKDF2 is the Web Crypto KDF OWASP lists.)
import { constantTimeEqual, randomBytes, utf8 } from './bytes'

export interface PasswordHash {
  salt: Uint8Array<ArrayBuffer>
  hash: Uint8Array
  iterations: number
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', utf8(password), 'PBKDF2', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256)
  return new Uint8Array(bits)
}

export async function hashPassword(password: string, iterations: number): Promise<PasswordHash> {
  const salt = randomBytes(16)
  return { salt, hash: await derive(password, salt, iterations), iterations }
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  return constantTimeEqual(await derive(password, stored.salt, stored.iterations), stored.hash)
}

export interface PasswordBook {
  /** True when the username exists and the password matches. */
  check(username: string, password: string): Promise<boolean>
}

/**
 * Hashes every seeded password once, on the first login rather than at creation, so creating a
 * server stays instant (tests create many). An unknown username is checked against a dummy hash
 * with the same cost, so "no such user" and "wrong password" take the same time and cannot be
 * told apart by timing.
 */
export function createPasswordBook(users: readonly { username: string; password: string }[], iterations: number): PasswordBook {
  let ready: Promise<{ byName: Map<string, PasswordHash>; dummy: PasswordHash }> | undefined

  const load = () =>
    (ready ??= (async () => {
      const entries = await Promise.all(users.map(async (u) => [u.username, await hashPassword(u.password, iterations)] as const))
      return { byName: new Map(entries), dummy: await hashPassword(crypto.randomUUID(), iterations) }
    })())

  return {
    async check(username, password) {
      const { byName, dummy } = await load()
      const stored = byName.get(username)
      const matches = await verifyPassword(password, stored ?? dummy)
      return stored !== undefined && matches
    },
  }
}
