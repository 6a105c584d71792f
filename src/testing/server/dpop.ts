// DPoP proofs (RFC 9449): the client signs each request with a key only it holds, and tokens are
// bound to that key's thumbprint, so a token copied elsewhere (another browser profile, a log)
// is useless without the private key.
import { EmbeddedJWK, base64url, calculateJwkThumbprint, jwtVerify, type JWTPayload } from 'jose'
import { randomToken, utf8 } from './bytes'
import type { RequestContext } from './http'

/** How far `iat` may be from the server clock, either way, in seconds. */
const IAT_WINDOW_SECONDS = 60
/** A nonce is good this long; then the next request is challenged with a fresh one. */
const NONCE_LIFETIME_SECONDS = 300
/** Replay-cache bound; entries leave when their proof could no longer pass the `iat` check. */
const MAX_SEEN_PROOFS = 10_000
const MAX_JTI_LENGTH = 256

export type ProofError = 'invalid_dpop_proof' | 'use_dpop_nonce'

/** `jkt` is the base64url SHA-256 thumbprint of the proof's public key (RFC 7638). */
export type ProofResult = { ok: true; jkt: string } | { ok: false; error: ProofError }

export interface DpopVerifier {
  /**
   * Checks the request's `DPoP` header. Pass `accessToken` on a resource request: the proof must
   * then carry its hash (`ath`). A proof that passes is spent: its `jti` is never accepted again.
   */
  check(ctx: RequestContext, accessToken?: string): Promise<ProofResult>
  /** The nonce proofs must carry now (every response sends it); undefined when nonces are off. */
  nonce(): string | undefined
}

async function sha256Base64url(text: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text))))
}

/** The URL without query and fragment, normalized; undefined when it is not a URL. */
function withoutQuery(value: unknown): string | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined
  const url = new URL(value)
  url.search = ''
  url.hash = ''
  return url.href
}

export function createDpopVerifier(options: { now: () => number; requireNonce: boolean }): DpopVerifier {
  const { now, requireNonce } = options
  /** jti → server time (ms) after which the proof fails the `iat` check anyway. */
  const seen = new Map<string, number>()
  let nonce = { value: randomToken(16), issuedAt: now() }

  function currentNonce(): string {
    if (now() - nonce.issuedAt >= NONCE_LIFETIME_SECONDS * 1000) nonce = { value: randomToken(16), issuedAt: now() }
    return nonce.value
  }

  /** False for a jti seen before, and when the cache is full: refusing is safer than forgetting. */
  function remember(jti: string, expiresAt: number): boolean {
    const current = now()
    for (const [key, until] of seen) if (until <= current) seen.delete(key)
    if (seen.has(jti) || seen.size >= MAX_SEEN_PROOFS) return false
    seen.set(jti, expiresAt)
    return true
  }

  async function verify(ctx: RequestContext, accessToken: string | undefined): Promise<ProofResult> {
    const invalid: ProofResult = { ok: false, error: 'invalid_dpop_proof' }
    const proof = ctx.request.headers.get('dpop')
    // Headers joins repeated fields with ", "; a JWT never contains a comma. One proof only.
    if (proof === null || proof.includes(',')) return invalid
    let payload: JWTPayload
    let jkt: string
    try {
      // EmbeddedJWK imports the header's `jwk` and refuses a private key; the signature must
      // verify with it. typ and alg are pinned so no other kind of JWT passes as a proof.
      const verified = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: ['ES256'],
        requiredClaims: ['jti', 'htm', 'htu', 'iat'],
        currentDate: new Date(now()),
      })
      const { jwk } = verified.protectedHeader
      if (!jwk || 'd' in jwk) return invalid
      payload = verified.payload
      jkt = await calculateJwkThumbprint(jwk)
    } catch {
      return invalid
    }
    const { jti, htm, htu, iat, ath } = payload
    const expectedHtu = new URL(ctx.url.pathname, ctx.origin).href
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) return invalid
    if (htm !== ctx.request.method || withoutQuery(htu) !== expectedHtu) return invalid
    if (typeof iat !== 'number' || Math.abs(now() / 1000 - iat) > IAT_WINDOW_SECONDS) return invalid
    if (accessToken !== undefined && ath !== (await sha256Base64url(accessToken))) return invalid
    // After the checks above, so only a proof that is otherwise good learns the nonce is stale;
    // and before the replay cache, so the challenged proof's jti is not recorded (the retry is
    // a new proof anyway).
    if (requireNonce && payload.nonce !== currentNonce()) return { ok: false, error: 'use_dpop_nonce' }
    if (!remember(jti, (iat + IAT_WINDOW_SECONDS) * 1000)) return invalid
    return { ok: true, jkt }
  }

  return {
    check: verify,
    nonce: () => (requireNonce ? currentNonce() : undefined),
  }
}
