// Refresh tokens: opaque random strings, single use, kept server-side only as SHA-256 hashes
// (a memory dump or log of the store yields nothing that can be presented back).
// Tokens chain into a family (one login = one session); reuse of a spent token revokes it.

export interface Family {
  readonly id: string
  readonly userId: string
  readonly fingerprintHash: string
  /** Logged in with `cookieMode`: the refresh token travels only in an HttpOnly cookie. */
  readonly cookieMode: boolean
  /** Server time of the login (the tokens' `auth_time`). */
  readonly authTime: number
  /** Server time the session ends (`maxSessionAge` after login); no token of it outlives this. */
  readonly endsAt: number
  /** DPoP mode: thumbprint of the key the login proved; every refresh must prove the same key. */
  readonly jkt?: string
  revoked: boolean
}

export interface IssuedPair {
  accessToken: string
  refreshToken: string
  expiresIn: number
}

export interface TokenRecord {
  readonly familyId: string
  readonly expiresAt: number
  /** Server time the token was rotated; set synchronously so a token can rotate only once. */
  usedAt?: number
  successorHash?: string
  /** The pair its rotation produced, kept only while the grace window lasts. */
  replay?: Promise<IssuedPair>
}

export interface RefreshStore {
  createFamily(userId: string, fingerprintHash: string, cookieMode: boolean, jkt?: string): Family
  add(hash: string, familyId: string): void
  find(hash: string): { record: TokenRecord; family: Family } | undefined
  isActive(familyId: string): boolean
  family(familyId: string): Family | undefined
  /** True if the family was live and is now revoked. */
  revokeFamily(familyId: string): boolean
  /** Revokes every live family of the user; returns how many. */
  revokeUser(userId: string): number
  /** Drops expired records and replay pairs whose grace window has passed. */
  sweep(): void
}

export function createRefreshStore(options: {
  ttlSeconds: number
  maxSessionSeconds: number
  graceSeconds: number
  now: () => number
  newId: () => string
}): RefreshStore {
  const families = new Map<string, Family>()
  const tokens = new Map<string, TokenRecord>()

  const revoke = (family: Family | undefined) => {
    if (!family || family.revoked) return false
    family.revoked = true
    return true
  }

  return {
    createFamily(userId, fingerprintHash, cookieMode, jkt) {
      const authTime = options.now()
      const endsAt = authTime + options.maxSessionSeconds * 1000
      const family: Family = { id: options.newId(), userId, fingerprintHash, cookieMode, authTime, endsAt, jkt, revoked: false }
      families.set(family.id, family)
      return family
    },
    add(hash, familyId) {
      const endsAt = families.get(familyId)?.endsAt ?? 0
      tokens.set(hash, { familyId, expiresAt: Math.min(options.now() + options.ttlSeconds * 1000, endsAt) })
    },
    find(hash) {
      const record = tokens.get(hash)
      const family = record && families.get(record.familyId)
      return record && family ? { record, family } : undefined
    },
    isActive: (familyId) => families.get(familyId)?.revoked === false,
    family: (familyId) => families.get(familyId),
    revokeFamily: (familyId) => revoke(families.get(familyId)),
    revokeUser(userId) {
      let count = 0
      for (const family of families.values()) if (family.userId === userId && revoke(family)) count++
      return count
    },
    sweep() {
      const now = options.now()
      for (const [hash, record] of tokens) {
        // Spent tokens are kept until they would have expired: that is how reuse is detected.
        if (record.expiresAt <= now) tokens.delete(hash)
        else if (record.usedAt !== undefined && now - record.usedAt > options.graceSeconds * 1000) delete record.replay
      }
    },
  }
}
