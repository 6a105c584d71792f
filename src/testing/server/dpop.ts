// DPoP proofs (RFC 9449): the client signs each request with a key only it holds, and tokens are
// bound to that key's thumbprint, so a token copied elsewhere (another browser profile, a log)
// is useless without the private key.
import { EmbeddedJWK, base64url, calculateJwkThumbprint, jwtVerify, type JWTPayload } from 'jose'
import { randomToken, utf8 } from './bytes'
import type { RequestContext } from './http'

/** How far `iat` may be from the server clock, either way, in ms; both bounds accepted. */
const IAT_WINDOW_MS = 60_000
/** A nonce is good this long; then the next request is challenged with a fresh one. */
const NONCE_LIFETIME_SECONDS = 300
/**
 * Replay-cache bound per key: a browser never sends this many requests in two minutes. Anyone can
 * sign proofs with a key of their own, so the bound is per key: a key that floods it locks out
 * only itself, never another client.
 */
const MAX_PROOFS_PER_KEY = 10_000
const MAX_JTI_LENGTH = 256

export type ProofError = 'invalid_dpop_proof' | 'use_dpop_nonce'

/** `jkt` is the base64url SHA-256 thumbprint of the proof's public key (RFC 7638). */
export type ProofResult = { ok: true; jkt: string } | { ok: false; error: ProofError }

export interface DpopVerifier {
  /**
   * Checks the request's `DPoP` header. Pass `accessToken` on a resource request: the proof must
   * then carry its hash (`ath`). A proof that passes is spent: its `jti` is never accepted again
   * with its key while its `iat` could still pass.
   */
  check(ctx: RequestContext, accessToken?: string): Promise<ProofResult>
  /** The nonce proofs must carry now (every response sends it); undefined when nonces are off. */
  nonce(): string | undefined
}

/** Past the window's far side (ms): the `iat` check refuses it, and the replay cache forgets it. */
const tooOld = (issuedAt: number, current: number) => current - issuedAt > IAT_WINDOW_MS
/** The `iat` check: inclusive on both sides. */
const withinIatWindow = (issuedAt: number, current: number) => !tooOld(issuedAt, current) && issuedAt - current <= IAT_WINDOW_MS

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

interface DpopVerifierOptions {
  now: () => number
  requireNonce: boolean
  /** Default `MAX_PROOFS_PER_KEY`. */
  maxProofsPerKey?: number
  /** The `dpop-replay` violation: no replay cache at all. Default false. */
  forgetsProofs?: boolean
}

export function createDpopVerifier(options: DpopVerifierOptions): DpopVerifier {
  const { now, requireNonce, maxProofsPerKey = MAX_PROOFS_PER_KEY, forgetsProofs = false } = options
  /**
   * jkt → (jti → the proof's `iat` in ms). Scoped by key: a jti only ever counts against the key
   * that signed it.
   */
  const seen = new Map<string, Map<string, number>>()
  let sweptAt = -Infinity
  let nonce = { value: randomToken(16), issuedAt: now() }

  function currentNonce(): string {
    if (now() - nonce.issuedAt >= NONCE_LIFETIME_SECONDS * 1000) nonce = { value: randomToken(16), issuedAt: now() }
    return nonce.value
  }

  /**
   * Drops the proofs too old to pass the `iat` check, by the very test it uses: an entry lives
   * through the last instant its proof could pass.
   */
  function forgetExpired(proofs: Map<string, number>, current: number): void {
    for (const [jti, issuedAt] of proofs) if (tooOld(issuedAt, current)) proofs.delete(jti)
  }

  /**
   * False for a jti this key used before, and when this key's cache is full: refusing is safer
   * than forgetting, and only the key's holder can fill it. The other keys are swept at most once
   * a second, so a request costs no walk over every key.
   */
  function remember(jkt: string, jti: string, issuedAt: number): boolean {
    if (forgetsProofs) return true
    const current = now()
    if (current - sweptAt >= 1000 || current < sweptAt) {
      sweptAt = current
      for (const [key, proofs] of seen) {
        forgetExpired(proofs, current)
        if (proofs.size === 0) seen.delete(key)
      }
    }
    const proofs = seen.get(jkt) ?? new Map<string, number>()
    forgetExpired(proofs, current)
    if (proofs.has(jti) || proofs.size >= maxProofsPerKey) return false
    proofs.set(jti, issuedAt)
    seen.set(jkt, proofs)
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
    if (typeof iat !== 'number' || !withinIatWindow(iat * 1000, now())) return invalid
    if (accessToken !== undefined && ath !== (await sha256Base64url(accessToken))) return invalid
    // After the checks above, so only a proof that is otherwise good learns the nonce is stale;
    // and before the replay cache, so the challenged proof's jti is not recorded (the retry is
    // a new proof anyway).
    if (requireNonce && payload.nonce !== currentNonce()) return { ok: false, error: 'use_dpop_nonce' }
    if (!remember(jkt, jti, iat * 1000)) return invalid
    return { ok: true, jkt }
  }

  return {
    check: verify,
    nonce: () => (requireNonce ? currentNonce() : undefined),
  }
}
