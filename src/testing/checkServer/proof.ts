// DPoP proofs (RFC 9449) signed on Web Crypto alone, so the testing entry stays free of jose:
// ES256 over P-256, whose Web Crypto signature (r || s) is already the JWS form.

export interface ProofKey {
  /** RFC 7638 thumbprint of the public key: what a bound token's `cnf.jkt` must be. */
  thumbprint: string
  sign(claims: { htm: string; htu: string; iat: number; ath?: string; nonce?: string }): Promise<string>
}

const encoder = new TextEncoder()

function base64url(bytes: Uint8Array | ArrayBuffer): string {
  let binary = ''
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const encodeJson = (value: unknown) => base64url(encoder.encode(JSON.stringify(value)))

export async function sha256Base64url(text: string): Promise<string> {
  return base64url(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
}

export async function createProofKey(): Promise<ProofKey> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
  const { crv, kty, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey)
  const jwk = { crv, kty, x, y }
  // RFC 7638: the required members in lexicographic order, no whitespace.
  const thumbprint = await sha256Base64url(JSON.stringify(jwk))
  const header = encodeJson({ typ: 'dpop+jwt', alg: 'ES256', jwk })
  return {
    thumbprint,
    async sign(claims) {
      const jti = base64url(crypto.getRandomValues(new Uint8Array(16)))
      const input = `${header}.${encodeJson({ jti, ...claims })}`
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, encoder.encode(input))
      return `${input}.${base64url(signature)}`
    },
  }
}
