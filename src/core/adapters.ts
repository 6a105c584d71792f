// Ready-made `refresh` / `revoke` functions for createAuthClient. They call the network with the
// base fetch (never client.fetch: the refresh endpoint must not go through 401 → refresh), and
// every failure becomes an AuthError whose code tells the client what to do with it.
import { AuthError, type AuthErrorCode } from './errors'
import { decodeClaims, type JwtClaims, type TokenPair } from './tokens'
import type { RefreshContext, RevokeContext } from './types'

export interface HttpAdapterOptions {
  url: string
  /** Default: the global `fetch` at call time. */
  fetch?: typeof fetch
  /** Extra request headers (a CSRF header, an API key). */
  headers?: Record<string, string>
  /** Give up after this many ms, request and body together (default 10 000). */
  timeout?: number
}

export interface RestRefreshOptions extends HttpAdapterOptions {
  /**
   * The access-token claim holding the SHA-256 of the fingerprint cookie, sent back as
   * `fingerprintHash` when present. A name (`'fgp'`, the default) or a path into nested claims
   * (`['https://hasura.io/jwt/claims', 'x-hasura-fgp']`); `false` never sends one.
   */
  fingerprintClaim?: string | readonly string[] | false
  /** Reads the pair from a body of another shape. Default: `accessToken`/`access_token`, `refreshToken`/`refresh_token`. */
  mapResponse?: (body: unknown) => { accessToken?: unknown; refreshToken?: unknown }
}

export interface RestRevokeOptions extends HttpAdapterOptions {
  /** Endpoint for "log out everywhere". Without it, `url` gets `{ everywhere: true }`. */
  everywhereUrl?: string
}

const DEFAULT_TIMEOUT = 10_000

/**
 * A `refresh` for a JSON endpoint: POSTs `{ refreshToken, fingerprintHash? }` with the cookies
 * (`credentials: 'include'`). 400/401/403 end the session (`refresh_rejected`); network errors,
 * 5xx, 429, timeouts and answers that are not a token pair are transient (`refresh_failed`).
 */
export function restRefresh(options: RestRefreshOptions): (context: RefreshContext) => Promise<TokenPair> {
  return (context) =>
    exchange(options, context.signal, 'refresh_failed', async (signal, fetchImpl) => {
      const payload: Record<string, string> = {}
      if (context.refreshToken !== null) payload.refreshToken = context.refreshToken
      const fingerprintHash = readFingerprint(context.claims, options.fingerprintClaim)
      if (fingerprintHash !== undefined) payload.fingerprintHash = fingerprintHash
      const response = await fetchImpl(options.url, jsonPost(options, payload, signal))
      const body = await readJsonAnswer(response, 'refresh')
      const fields = options.mapResponse ? options.mapResponse(body) : pick(body, ['accessToken', 'access_token'])
      return toPair(fields, context.refreshToken)
    })
}

/** A `revoke` for a JSON endpoint: POSTs `{ refreshToken }` with the Bearer token and the cookies. */
export function restRevoke(options: RestRevokeOptions): (context: RevokeContext) => Promise<void> {
  return (context) =>
    exchange(options, undefined, 'revoke_failed', async (signal, fetchImpl) => {
      const payload: Record<string, unknown> = {}
      if (context.refreshToken !== null) payload.refreshToken = context.refreshToken
      if (context.everywhere && !options.everywhereUrl) payload.everywhere = true
      const url = context.everywhere ? (options.everywhereUrl ?? options.url) : options.url
      const response = await fetchImpl(url, jsonPost(options, payload, signal, context.accessToken))
      void response.body?.cancel().catch(() => {})
      if (!response.ok) throw new AuthError('revoke_failed', `The server-side logout answered HTTP ${response.status}.`, { status: response.status })
    })
}

// ---- shared by the REST and GraphQL adapters ----

/**
 * Runs one exchange with a deadline: rejects as soon as the timeout passes or the client's signal
 * aborts, even when the fetch ignores its signal, and turns anything unexpected into `code`.
 * The abandoned work is still observed, so nothing ever surfaces as an unhandled rejection.
 * @internal
 */
export function exchange<T>(
  options: HttpAdapterOptions,
  outer: AbortSignal | undefined,
  code: Extract<AuthErrorCode, 'refresh_failed' | 'revoke_failed'>,
  work: (signal: AbortSignal, fetchImpl: typeof fetch) => Promise<T>,
): Promise<T> {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT
  const controller = new AbortController()
  return new Promise<T>((resolve, reject) => {
    const fail = (error: AuthError) => {
      controller.abort(error)
      reject(error)
    }
    const onAbort = () => fail(new AuthError(code, 'The request was aborted.', { cause: outer?.reason }))
    if (outer?.aborted) return onAbort()
    outer?.addEventListener('abort', onAbort, { once: true })
    const timer = setTimeout(() => fail(new AuthError(code, `No answer within ${timeout} ms.`)), timeout)
    Promise.resolve()
      .then(() => work(controller.signal, options.fetch ?? fetch))
      .then(resolve, (error: unknown) =>
        reject(error instanceof AuthError ? error : new AuthError(code, `The request failed (${describe(error)}).`, { cause: error })),
      )
      .finally(() => {
        clearTimeout(timer)
        outer?.removeEventListener('abort', onAbort)
      })
  })
}

/** @internal */
export function jsonPost(options: HttpAdapterOptions, payload: unknown, signal: AbortSignal, bearer?: string | null): RequestInit {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json', ...options.headers }
  if (bearer) headers.Authorization = `Bearer ${bearer}`
  return { method: 'POST', headers, body: JSON.stringify(payload), credentials: 'include', signal }
}

/**
 * The parsed JSON body of a 2xx answer. A non-2xx status throws with `status`, classified for the
 * client: 400/401/403 reject the session, anything else is worth retrying.
 * @internal
 */
export async function readJsonAnswer(response: Response, what: string): Promise<unknown> {
  if (!response.ok) {
    void response.body?.cancel().catch(() => {})
    const { status } = response
    const rejected = status === 400 || status === 401 || status === 403
    throw new AuthError(rejected ? 'refresh_rejected' : 'refresh_failed', `The ${what} endpoint answered HTTP ${status}.`, { status })
  }
  const text = await response.text()
  if (text.trim() === '') throw new AuthError('refresh_failed', `The ${what} endpoint answered with an empty body.`)
  try {
    return JSON.parse(text) as unknown
  } catch {
    // Never quote the body: it is not ours to log, and it could hold a token.
    const html = text.trimStart().startsWith('<')
    throw new AuthError('refresh_failed', `The ${what} endpoint answered with ${html ? 'HTML (is the URL right?)' : 'something that is not JSON'}.`)
  }
}

/** The first of `accessKeys` and `refreshToken`/`refresh_token` found on `body`. @internal */
export function pick(body: unknown, accessKeys: readonly string[]): { accessToken?: unknown; refreshToken?: unknown } {
  if (typeof body !== 'object' || body === null) return {}
  const record = body as Record<string, unknown>
  const accessToken = accessKeys.map((key) => record[key]).find((value) => value !== undefined)
  return { accessToken, refreshToken: record.refreshToken ?? record.refresh_token }
}

/**
 * Validates an answer as a pair. A missing refresh token keeps the current one (servers that do not
 * rotate may leave it out, as OAuth 2 allows).
 * @internal
 */
export function toPair(fields: { accessToken?: unknown; refreshToken?: unknown }, current: string | null): TokenPair {
  const { accessToken, refreshToken } = fields
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new AuthError('refresh_failed', 'The refresh answer holds no access token.')
  }
  try {
    decodeClaims(accessToken)
  } catch (cause) {
    throw new AuthError('refresh_failed', 'The refresh answer holds an access token that is not a usable JWT.', { cause })
  }
  if (refreshToken === undefined || refreshToken === null) return { accessToken, refreshToken: current }
  if (typeof refreshToken !== 'string' || refreshToken === '') {
    throw new AuthError('refresh_failed', 'The refresh answer holds a refresh token that is not a non-empty string.')
  }
  return { accessToken, refreshToken }
}

/** @internal */
export function readFingerprint(claims: JwtClaims | null, claim: string | readonly string[] | false = 'fgp'): string | undefined {
  if (claim === false || !claims) return undefined
  const path = typeof claim === 'string' ? [claim] : claim
  let value: unknown = claims
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
  return typeof value === 'string' && value !== '' ? value : undefined
}

// The message of a foreign error could quote a token; only its class name is safe to repeat.
function describe(error: unknown): string {
  return error instanceof Error ? error.name : typeof error
}
