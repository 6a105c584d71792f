// GraphQL forms of the adapters, for Hasura actions and other GraphQL auth APIs. GraphQL servers
// report failures as `errors[]` in an HTTP 200 answer, so the error codes decide the class.
import { refreshValues, send, toPair, type HttpAdapterOptions } from './rest'
import { AuthError } from '../core/errors'
import { hasErrorCode, REFRESH_TOKEN_REFUSED, type GraphqlError } from '../core/graphqlErrors'
import { checkSecureUrl } from '../core/origins'
import type { TokenPair } from '../core/tokens'
import type { RefreshContext, RevokeContext } from '../core/types'

export interface GraphqlRefreshOptions extends HttpAdapterOptions {
  /**
   * The mutation. Default: the Hasura guide's action,
   * `mutation ($refreshToken: String!, $fingerprintHash: String!) { refreshJwtToken(refreshToken: $refreshToken, fingerprintHash: $fingerprintHash) { jwt refreshToken } }`
   * (arguments left out when there is no refresh token or fingerprint). Variables named
   * `$refreshToken` and `$fingerprintHash` are filled in when the query declares them.
   */
  query?: string
  /** The field of `data` holding the pair (default `refreshJwtToken`); `jwt` or `accessToken` is the access token. */
  field?: string
  /** As for `restRefresh`: the claim with the fingerprint hash (default `'fgp'`). */
  fingerprintClaim?: string | readonly string[] | false
  /**
   * Error codes that mean the refresh token is dead (compared ignoring case and `-`/`_`). Default:
   * `invalid_jwt`, `access_denied`, `invalid_grant`, `invalid_token`, `unauthenticated`,
   * `unauthorized`, `forbidden`; an error whose message says `invalid_grant` is a rejection too.
   */
  rejectCodes?: readonly string[]
}

export interface GraphqlRevokeOptions extends HttpAdapterOptions {
  /** The logout mutation; it may declare `$refreshToken` (and `$everywhere`). Sent with the Bearer token. */
  mutation: string
  /** The mutation for "log out everywhere". Default: `mutation`, with `$everywhere: true`. */
  everywhereMutation?: string
}

/** A `refresh` that calls a GraphQL mutation (the Hasura action `refreshJwtToken` by default). */
export function graphqlRefresh(options: GraphqlRefreshOptions): (context: RefreshContext) => Promise<TokenPair> {
  checkSecureUrl(options.url, options.allowInsecureHttp)
  const field = options.field ?? 'refreshJwtToken'
  const rejectCodes = options.rejectCodes ?? REFRESH_TOKEN_REFUSED
  return (context) => {
    const values = refreshValues(context, options.fingerprintClaim)
    const names = Object.keys(values).filter((name) => values[name as keyof typeof values] !== undefined)
    const list = (each: (name: string) => string) => (names.length ? `(${names.map(each).join(', ')})` : '')
    const query =
      options.query ??
      `mutation RefreshJwtToken${list((n) => `$${n}: String!`)} { ${field}${list((n) => `${n}: $${n}`)} { jwt refreshToken } }`
    return send(options, operation(query, values), context, (text) => toPair(dataOf(text, rejectCodes)[field], context.refreshToken))
  }
}

/** A `revoke` that calls a GraphQL logout mutation with the Bearer token. */
export function graphqlRevoke(options: GraphqlRevokeOptions): (context: RevokeContext) => Promise<void> {
  checkSecureUrl(options.url, options.allowInsecureHttp)
  return (context) => {
    const query = context.everywhere ? (options.everywhereMutation ?? options.mutation) : options.mutation
    return send(
      options,
      operation(query, { refreshToken: context.refreshToken, everywhere: context.everywhere }),
      context,
      (text) => void dataOf(text),
    )
  }
}

/** Only the variables the operation declares: Hasura refuses unexpected ones. */
function operation(query: string, values: object) {
  const declared = Object.entries(values).filter(([name, value]) => value != null && new RegExp(`\\$${name}\\b`).test(query))
  return { query, variables: Object.fromEntries(declared) }
}

/**
 * The `data` of an answer. Its `errors` fail the call; for a refresh (given `rejectCodes`) they
 * end the session when one has a listed code or says `invalid_grant`.
 */
function dataOf(text: string, rejectCodes?: readonly string[]): Record<string, unknown> {
  const { data, errors } = JSON.parse(text) as { data: Record<string, unknown>; errors?: GraphqlError[] }
  if (errors?.length) {
    const rejected =
      !!rejectCodes && (hasErrorCode(errors, rejectCodes) || errors.some((e) => /\binvalid_grant\b/.test(String(e?.message))))
    throw new AuthError(
      !rejectCodes ? 'revoke_failed' : rejected ? 'refresh_rejected' : 'refresh_failed',
      'The GraphQL answer holds errors.',
    )
  }
  return data
}
