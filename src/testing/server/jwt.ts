// Access tokens: short-lived JWTs signed with jose on Web Crypto.
import { SignJWT, errors, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import { randomBytes, randomHex, utf8 } from './bytes'
import { HASURA_NAMESPACE } from '../../core/hasura'
import type { Algorithm } from './claims'
import type { Family } from './refreshTokens'
import { defaultRole, type ServerUser } from './users'

export interface AccessClaims extends JWTPayload {
  sub: string
  jti: string
  iat: number
  exp: number
  /** Refresh-token family (session) id: revoking the family also kills its access tokens. */
  sid: string
  /** Hex SHA-256 of the fingerprint cookie value. */
  fgp: string
  /** When the user signed in (seconds), carried through refreshes: for step-up checks (RFC 9470). */
  auth_time: number
  /** DPoP mode (RFC 9449 §6): the thumbprint of the key every use of this token must prove. */
  cnf?: { jkt: string }
  name: string
  roles: string[]
}

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: 'expired' | 'invalid' }

/** A signed access token and its lifetime in seconds (`exp - iat`). */
export interface SignedToken {
  token: string
  expiresIn: number
}

export interface AccessTokens {
  /** A token of `session`; its `endsAt` (server time, ms) caps `exp`: no token outlives its session. */
  sign(user: ServerUser, session: Pick<Family, 'id' | 'fingerprintHash' | 'endsAt' | 'authTime' | 'jkt'>): Promise<SignedToken>
  /** `leewaySeconds` lets logout accept a recently expired token: revoking only removes access. */
  verify(token: string, leewaySeconds?: number): Promise<VerifyResult>
  /** Public verification keys; empty for HS256, whose key is a shared secret. */
  jwks(): Promise<{ keys: JWK[] }>
}

export interface AccessTokenOptions {
  algorithm: Algorithm
  secret: string | undefined
  ttlSeconds: number
  issuer: string | undefined
  audience: string | undefined
  now: () => number
}

type Keys = { sign: CryptoKey; verify: CryptoKey; publicJwk?: JWK }

export function createAccessTokens(options: AccessTokenOptions): AccessTokens {
  const { algorithm, ttlSeconds, issuer, audience, now } = options
  let keys: Promise<Keys> | undefined

  // Key generation is async on Web Crypto; do it on first use so creation stays synchronous.
  const loadKeys = () =>
    (keys ??= (async (): Promise<Keys> => {
      if (algorithm === 'HS256') {
        // A CryptoKey rather than raw bytes: jose's `instanceof Uint8Array` check fails across
        // realms (jsdom test environments hand out a different Uint8Array).
        const secret = options.secret === undefined ? randomBytes(32) : utf8(options.secret)
        const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
        return { sign: key, verify: key }
      }
      const pair = await generateKeyPair('ES256')
      const publicJwk = { ...(await exportJWK(pair.publicKey)), alg: 'ES256', use: 'sig', kid: randomHex(8) }
      return { sign: pair.privateKey, verify: pair.publicKey, publicJwk }
    })())

  return {
    async sign(user, { id, fingerprintHash, endsAt, authTime, jkt }) {
      const { sign, publicJwk } = await loadKeys()
      const iat = Math.floor(now() / 1000)
      const exp = Math.min(iat + ttlSeconds, Math.floor(endsAt / 1000))
      const jwt = new SignJWT({
        name: user.name,
        roles: [...user.roles],
        sid: id,
        fgp: fingerprintHash,
        auth_time: Math.floor(authTime / 1000),
        ...(jkt !== undefined ? { cnf: { jkt } } : {}),
        [HASURA_NAMESPACE]: {
          'x-hasura-user-id': user.id,
          'x-hasura-default-role': defaultRole(user),
          'x-hasura-allowed-roles': [...user.roles],
        },
      })
        .setProtectedHeader(publicJwk?.kid ? { alg: algorithm, typ: 'JWT', kid: publicJwk.kid } : { alg: algorithm, typ: 'JWT' })
        .setSubject(user.id)
        .setJti(randomHex(16))
        .setIssuedAt(iat)
        .setExpirationTime(exp)
      if (issuer !== undefined) jwt.setIssuer(issuer)
      if (audience !== undefined) jwt.setAudience(audience)
      return { token: await jwt.sign(sign), expiresIn: exp - iat }
    },

    async verify(token, leewaySeconds = 0) {
      const { verify } = await loadKeys()
      try {
        const { payload } = await jwtVerify(token, verify, {
          // Pinning the algorithm refuses `alg: none` and HS/ES confusion outright.
          algorithms: [algorithm],
          currentDate: new Date(now()),
          clockTolerance: leewaySeconds,
          requiredClaims: ['sub', 'jti', 'iat', 'exp'],
          ...(issuer !== undefined ? { issuer } : {}),
          ...(audience !== undefined ? { audience } : {}),
        })
        if (
          typeof payload.sid !== 'string' ||
          typeof payload.fgp !== 'string' ||
          typeof payload.auth_time !== 'number' ||
          !Array.isArray(payload.roles) ||
          (payload.cnf !== undefined && typeof (payload.cnf as { jkt?: unknown } | null)?.jkt !== 'string')
        ) {
          return { ok: false, reason: 'invalid' }
        }
        return { ok: true, claims: payload as AccessClaims }
      } catch (error) {
        return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' }
      }
    },

    async jwks() {
      const { publicJwk } = await loadKeys()
      return { keys: publicJwk ? [publicJwk] : [] }
    },
  }
}
