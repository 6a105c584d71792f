// DPoP proofs (RFC 9449 §4): a JWT signed with the session's key for each request, naming the
// request (`htm`, `htu`) and, with an access token, its hash (`ath`). Web Crypto only: the private
// key is non-extractable, so script can use it while the tab lives but never read it out.

/** A session's DPoP key, with what every proof repeats: the public JWK and its thumbprint. */
export interface DpopKey {
  /** Names the key in the key store (IndexedDB); not a secret. */
  id: string
  keys: CryptoKeyPair
  /** The public key as the proof header carries it. */
  jwk: JsonWebKey
  /** RFC 7638 thumbprint of `jwk`: what a bound token's `cnf.jkt` names. */
  jkt: string
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const

const base64url = (bytes: ArrayBuffer | Uint8Array): string =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')

const encodeJson = (value: unknown): string => base64url(new TextEncoder().encode(JSON.stringify(value)))

/** base64url SHA-256 of `text`: the `ath` of an access token, the thumbprint of a JWK. */
export const sha256 = async (text: string): Promise<string> =>
  base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))

/** A new key pair whose private half can sign but never be exported. */
export async function createKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])
}

const SIGNATURE = { name: 'ECDSA', hash: 'SHA-256' } as const

/**
 * Checks a key pair that came from elsewhere (another tab, the key store) and derives what proofs
 * need; null for anything but a P-256 signing pair whose private key cannot be exported and
 * belongs to its public key. Any script of the origin can write to the key store or speak on the
 * channel: a private key it could export would let it use the tokens elsewhere, and a private key
 * of another pair would make every proof fail while the public key still matches `cnf.jkt`.
 */
export async function toDpopKey(id: string, keys: unknown): Promise<DpopKey | null> {
  const { privateKey, publicKey } = (keys ?? {}) as Partial<CryptoKeyPair>
  const isP256 = (key: unknown, type: KeyType) =>
    typeof CryptoKey !== 'undefined' &&
    key instanceof CryptoKey &&
    key.type === type &&
    (key.algorithm as EcKeyAlgorithm).namedCurve === ALGORITHM.namedCurve &&
    key.algorithm.name === ALGORITHM.name
  if (!isP256(privateKey, 'private') || !isP256(publicKey, 'public') || privateKey!.extractable || !privateKey!.usages.includes('sign'))
    return null
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey!)
  const jwk = { kty, crv, x, y }
  if (!(await belongTogether(privateKey!, jwk))) return null
  // RFC 7638: the required members only, in lexicographic order, no whitespace.
  const jkt = await sha256(JSON.stringify({ crv, kty, x, y }))
  return { id, keys: { privateKey: privateKey!, publicKey: publicKey! }, jwk, jkt }
}

/** Whether a signature of `privateKey` verifies with `jwk`, the public key every proof names (and so the server checks). */
async function belongTogether(privateKey: CryptoKey, jwk: JsonWebKey): Promise<boolean> {
  const challenge = new TextEncoder().encode('jwt-tab-session: DPoP key pair check')
  try {
    const verifier = await crypto.subtle.importKey('jwk', jwk, ALGORITHM, false, ['verify'])
    return await crypto.subtle.verify(SIGNATURE, verifier, await crypto.subtle.sign(SIGNATURE, privateKey, challenge), challenge)
  } catch {
    return false
  }
}

export interface ProofClaims {
  htm: string
  /** The request URL; its query and fragment are left out of the proof. */
  url: string
  /** Server-clock seconds. */
  iat: number
  accessToken?: string
  nonce?: string
}

/** A proof of `key` for one request: a fresh `jti` each time, so the server can refuse a replay. */
export async function signProof(key: DpopKey, { htm, url, iat, accessToken, nonce }: ProofClaims): Promise<string> {
  const { origin, pathname } = new URL(url)
  const payload = {
    jti: crypto.randomUUID(),
    htm,
    htu: origin + pathname,
    iat,
    ...(accessToken !== undefined && { ath: await sha256(accessToken) }),
    ...(nonce !== undefined && { nonce }),
  }
  const input = `${encodeJson({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk })}.${encodeJson(payload)}`
  // Web Crypto's ECDSA signature is r‖s, which is what JWS ES256 wants.
  const signature = await crypto.subtle.sign(SIGNATURE, key.keys.privateKey, new TextEncoder().encode(input))
  return `${input}.${base64url(signature)}`
}
