// Ready-made `refresh` / `revoke` functions for createAuthClient. They call the network with the
// base fetch (never client.fetch: the refresh endpoint must not go through 401 → refresh), and
// every failure becomes an AuthError whose code tells the client what to do with it.
import { AuthError, isRejectionStatus } from '../core/errors'
import { checkSecureUrl } from '../core/origins'
import { decodeClaims, type TokenPair } from '../core/tokens'
import type { RefreshContext, RevokeContext } from '../core/types'

/**
 * No timeout option: a refresh ends when the client aborts it after its `refreshTimeout`, and a
 * revoke (which gets no signal from the client) gives up after 10 s.
 */
export interface HttpAdapterOptions {
  url: string
  /** Default: the global `fetch` at call time. */
  fetch?: typeof fetch
  /** Extra request headers (a CSRF header, an API key). */
  headers?: Record<string, string>
  /** Allow an `http:` URL to a host other than this machine (development only); else it throws `insecure_origin`. */
  allowInsecureHttp?: boolean
}

export interface RestRefreshOptions extends HttpAdapterOptions {
  /**
   * The access-token claim holding the SHA-256 of the fingerprint cookie, sent back as
   * `fingerprintHash` when present. A name (`'fgp'`, the default) or a path into nested claims
   * (`['https://hasura.io/jwt/claims', 'x-hasura-fgp']`, also when that claim is a JSON string);
   * `false` never sends one.
   */
  fingerprintClaim?: string | readonly string[] | false
  /** Reads the pair from a body of another shape. Default: `accessToken`/`access_token`/`jwt`, `refreshToken`/`refresh_token`. */
  mapResponse?: (body: unknown) => { accessToken?: unknown; refreshToken?: unknown }
}

export interface RestRevokeOptions extends HttpAdapterOptions {
  /** Endpoint for "log out everywhere". Without it, `url` gets `{ everywhere: true }`. */
  everywhereUrl?: string
}

/**
 * A `refresh` for a JSON endpoint: POSTs `{ refreshToken, fingerprintHash? }` with the cookies
 * (`credentials: 'include'`). 400/401/403 end the session (`refresh_rejected`); network errors,
 * 5xx, 429 and aborts are transient (`refresh_failed`). A 2xx answer without a usable pair is
 * `invalid_token`: the server has spent the refresh token, so the session ends.
 */
export function restRefresh(options: RestRefreshOptions): (context: RefreshContext) => Promise<TokenPair> {
  checkSecureUrl(options.url, options.allowInsecureHttp)
  return (context) =>
    send(options, refreshValues(context, options.fingerprintClaim), context, (text) => {
      const body: unknown = JSON.parse(text)
      return toPair(options.mapResponse ? options.mapResponse(body) : body, context.refreshToken)
    })
}

/** A `revoke` for a JSON endpoint: POSTs `{ refreshToken }` with the Bearer token and the cookies. */
export function restRevoke(options: RestRevokeOptions): (context: RevokeContext) => Promise<void> {
  checkSecureUrl(options.url, options.allowInsecureHttp)
  if (options.everywhereUrl) checkSecureUrl(options.everywhereUrl, options.allowInsecureHttp)
  return (context) => {
    const url = context.everywhere ? options.everywhereUrl : options.url
    const payload = { refreshToken: context.refreshToken ?? undefined, everywhere: !url || undefined }
    return send(options, payload, context, () => {}, url)
  }
}

// ---- shared with the GraphQL adapters ----

/**
 * POSTs `payload` as JSON with the cookies and hands the 2xx answer's text to `read`. A refresh
 * is aborted through the client's signal (its `refreshTimeout`); a revoke, which gets no signal,
 * gives up after 10 s, outlives its page (`keepalive`) and is the only one to carry the Bearer
 * token. Every failure becomes an AuthError: 400/401/403 from a refresh endpoint end the session,
 * and so does a 2xx whose body `read` cannot use (the server spent the refresh token); anything
 * else is worth retrying.
 * @internal
 */
export async function send<T>(
  options: HttpAdapterOptions,
  payload: unknown,
  context: RefreshContext | RevokeContext,
  read: (text: string) => T,
  url = options.url,
): Promise<T> {
  const revoke = 'everywhere' in context
  const code = revoke ? 'revoke_failed' : 'refresh_failed'
  let text: string | undefined
  try {
    const base = options.fetch ?? fetch
    const response = await (context.dpop ? context.dpop(base) : base)(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        ...options.headers,
        ...(revoke && context.accessToken && { Authorization: `Bearer ${context.accessToken}` }),
      },
      body: JSON.stringify(payload),
      credentials: 'include',
      // A logout is often the last thing a page does: the browser finishes it after the page closes.
      keepalive: revoke,
      signal: revoke ? AbortSignal.timeout(10_000) : context.signal,
    })
    const { status } = response
    if (!response.ok) {
      const rejected = !revoke && isRejectionStatus(status)
      throw new AuthError(rejected ? 'refresh_rejected' : code, `The auth endpoint answered HTTP ${status}.`, { status })
    }
    return read((text = await response.text()))
  } catch (cause) {
    if (cause instanceof AuthError) throw cause
    // Never quote the body or a foreign error's message: either could hold a token.
    if (text === undefined) throw new AuthError(code, `The auth request failed (${(cause as Error)?.name}).`, { cause })
    const answered = /^\s*</.test(text) ? 'HTML (is the URL right?)' : 'no usable JSON'
    throw new AuthError(revoke ? code : 'invalid_token', `The auth endpoint answered ${answered}.`, { cause })
  }
}

/**
 * Reads a pair from `accessToken`/`access_token`/`jwt` and `refreshToken`/`refresh_token`. A
 * missing refresh token keeps the current one (servers that do not rotate may leave it out).
 * @internal
 */
export function toPair(found: unknown, current: string | null): TokenPair {
  const fields = Object(found) as Record<string, unknown>
  const accessToken = fields.accessToken ?? fields.access_token ?? fields.jwt
  const refreshToken = fields.refreshToken ?? fields.refresh_token ?? current
  try {
    decodeClaims(accessToken)
    if (refreshToken === null || (typeof refreshToken === 'string' && refreshToken !== ''))
      return { accessToken: accessToken as string, refreshToken }
  } catch {
    // reported below, without echoing the token
  }
  throw new AuthError('invalid_token', 'The auth answer holds no usable token pair.')
}

/**
 * The refresh token (none in cookie mode) and the fingerprint hash found at `claim`, walking into
 * claims that are JSON strings (Hasura's stringified claims format).
 * @internal
 */
export function refreshValues({ refreshToken, claims }: RefreshContext, claim: string | readonly string[] | false = 'fgp') {
  let value: unknown = claims
  try {
    for (const key of [claim || []].flat()) value = Object(typeof value === 'string' ? JSON.parse(value) : value)[key]
  } catch {
    value = null
  }
  return { refreshToken: refreshToken ?? undefined, fingerprintHash: (typeof value === 'string' && value) || undefined }
}
