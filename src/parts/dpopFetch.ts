// Sending requests with DPoP proofs: what each server asked for (its nonce) and what its clock
// says, kept per origin for the life of the tab, so that one challenge is answered once and the
// proofs after it need none.
import { signProof, type DpopKey } from './dpopProof'
import { AuthError } from '../core/errors'

/** A proof refused while our `iat` was this far (s) from the server's `Date` is worth one more try with its clock. */
const CLOCK_TOLERANCE = 10

interface Origin {
  /** The last `DPoP-Nonce` it sent, put in every later proof to it. */
  nonce?: string
  /** Its clock minus ours (ms), learned from a refusal's `Date`: used instead of the session's skew from then on. */
  offset?: number
}

export function createProofSender(now: () => number) {
  const origins = new Map<string, Origin>()

  const iat = (origin: string, skew: number) => Math.floor((now() + (origins.get(origin)?.offset ?? skew)) / 1000)

  function learn(origin: string, response: Response, refused: string | null): void {
    const known = origins.get(origin) ?? {}
    const nonce = response.headers.get('dpop-nonce') ?? known.nonce
    const date = Date.parse(response.headers.get('date') ?? '')
    // Only a refusal's Date is trusted: a cached answer carries the time it was first sent.
    const offset = refused === 'invalid_dpop_proof' && !Number.isNaN(date) ? date - now() : known.offset
    origins.set(origin, { nonce, offset })
  }

  /**
   * `base` with a proof of `key` on each request. A token in `Authorization` (Bearer or DPoP)
   * goes as `DPoP <token>` with its hash in the proof. A challenge is answered once: a new nonce
   * (401 `use_dpop_nonce`, or a token endpoint's 400), or a proof refused while our clock is off
   * from the server's (a clock jump, a login on a wrong clock). A proof still refused after that
   * rejects with `dpop_proof_refused`: before any 401 → refresh, so it spends no refresh token.
   */
  function signedFetch(base: typeof fetch, key: Promise<DpopKey>, skew: number): typeof fetch {
    async function send(request: Request): Promise<{ response: Response; sentIat: number }> {
      const { origin } = new URL(request.url)
      const token = /^(?:Bearer|DPoP) +(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1]
      const sentIat = iat(origin, skew)
      const headers = new Headers(request.headers)
      const claims = { htm: request.method, url: request.url, iat: sentIat, accessToken: token, nonce: origins.get(origin)?.nonce }
      headers.set('DPoP', await signProof(await key, claims))
      if (token) headers.set('Authorization', `DPoP ${token}`)
      return { response: await base(new Request(request, { headers })), sentIat }
    }

    /** Sends, learns the origin's nonce and clock from the answer, and says whether the proof was refused. */
    async function attempt(request: Request, origin: string) {
      const { response, sentIat } = await send(request)
      const refused = await refusal(response)
      const nonceBefore = origins.get(origin)?.nonce
      learn(origin, response, refused)
      const worthRetry =
        (refused === 'use_dpop_nonce' && origins.get(origin)?.nonce !== nonceBefore) ||
        (refused === 'invalid_dpop_proof' && Math.abs(iat(origin, skew) - sentIat) > CLOCK_TOLERANCE)
      return { response, refused, worthRetry }
    }

    return async (input, init) => {
      const request = new Request(input, init)
      const { origin } = new URL(request.url)
      // A body can be sent once: keep a copy for the answer to a challenge.
      const spare = request.body ? request.clone() : request
      let outcome = await attempt(request, origin)
      if (outcome.worthRetry) {
        void outcome.response.body?.cancel().catch(() => {})
        outcome = await attempt(spare, origin)
      } else if (spare !== request) {
        void spare.body?.cancel().catch(() => {})
      }
      const { response, refused } = outcome
      if (!refused) return response
      // Still refused: a 401 must not cost a refresh, nor a token endpoint's 400 end the session
      // (the proof was refused, not the token, which the server leaves unspent).
      void response.body?.cancel().catch(() => {})
      throw new AuthError('dpop_proof_refused', `The server refused the DPoP proof (${refused}).`, { status: response.status })
    }
  }

  /**
   * `Authorization: DPoP …` and a proof for one request sent some other way (a WebSocket, axios).
   * `nonce`: the one a server's challenge asked for, kept for the origin as an answer's would be.
   */
  async function proofHeaders(
    key: DpopKey,
    skew: number,
    token: string,
    method: string,
    url: URL,
    nonce?: string,
  ): Promise<Record<string, string>> {
    if (nonce !== undefined) origins.set(url.origin, { ...origins.get(url.origin), nonce })
    const claims = {
      htm: method.toUpperCase(),
      url: url.href,
      iat: iat(url.origin, skew),
      accessToken: token,
      nonce: origins.get(url.origin)?.nonce,
    }
    return { Authorization: `DPoP ${token}`, DPoP: await signProof(key, claims) }
  }

  return { signedFetch, proofHeaders }
}

/** Why a server refused a proof: it wants its nonce in the proof, or the proof is wrong (its clock). */
type ProofRefusal = 'use_dpop_nonce' | 'invalid_dpop_proof'

/**
 * The DPoP error a server refused the proof with: `WWW-Authenticate: DPoP error="…"` on a 401,
 * or a token endpoint's 400 `{ "error": "…" }` (`body`, parsed); null for any other answer.
 */
export function readProofRefusal(status: number, challenge: string | null | undefined, body: unknown): ProofRefusal | null {
  if (status === 401) return (/\berror="(use_dpop_nonce|invalid_dpop_proof)"/.exec(challenge ?? '')?.[1] as ProofRefusal) ?? null
  const error = status === 400 ? (body as { error?: unknown } | null)?.error : null
  return error === 'use_dpop_nonce' || error === 'invalid_dpop_proof' ? error : null
}

async function refusal(response: Response): Promise<ProofRefusal | null> {
  const body: unknown =
    response.status === 400
      ? await response
          .clone()
          .json()
          .catch(() => null)
      : null
  return readProofRefusal(response.status, response.headers.get('www-authenticate'), body)
}
