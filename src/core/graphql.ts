// GraphQL forms of the adapters, for Hasura actions and other GraphQL auth APIs. GraphQL servers
// report failures as `errors[]` in an HTTP 200 answer, so the error codes decide the class.
import { exchange, jsonPost, pick, readFingerprint, readJsonAnswer, toPair, type HttpAdapterOptions } from './adapters'
import { AuthError } from './errors'
import type { TokenPair } from './tokens'
import type { RefreshContext, RevokeContext } from './types'

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
  /** Error codes (or messages) that mean the refresh token is dead. Default: see `GRAPHQL_REJECT_CODES`. */
  rejectCodes?: readonly string[]
}

export interface GraphqlRevokeOptions extends HttpAdapterOptions {
  /** The logout mutation; it may declare `$refreshToken` (and `$everywhere`). Sent with the Bearer token. */
  mutation: string
  /** The mutation for "log out everywhere". Default: `mutation`, with `$everywhere: true`. */
  everywhereMutation?: string
}

/** Compared after lower-casing and turning `-` into `_`, so `invalid-jwt` and `INVALID_JWT` both match. */
export const GRAPHQL_REJECT_CODES: readonly string[] = [
  'invalid_jwt',
  'access_denied',
  'invalid_grant',
  'invalid_token',
  'unauthenticated',
  'unauthorized',
  'forbidden',
]

const normalise = (code: string) => code.toLowerCase().replace(/-/g, '_')

/** A `refresh` that calls a GraphQL mutation (the Hasura action `refreshJwtToken` by default). */
export function graphqlRefresh(options: GraphqlRefreshOptions): (context: RefreshContext) => Promise<TokenPair> {
  const field = options.field ?? 'refreshJwtToken'
  const rejectCodes = new Set((options.rejectCodes ?? GRAPHQL_REJECT_CODES).map(normalise))
  return (context) =>
    exchange(options, context.signal, 'refresh_failed', async (signal, fetchImpl) => {
      const fingerprintHash = readFingerprint(context.claims, options.fingerprintClaim)
      const values = { refreshToken: context.refreshToken ?? undefined, fingerprintHash }
      const query = options.query ?? defaultRefreshQuery(field, values)
      const payload = { query, variables: declared(query, values) }
      const body = await readJsonAnswer(await fetchImpl(options.url, jsonPost(options, payload, signal)), 'refresh')
      const errors = errorsOf(body)
      if (errors.length > 0) {
        const rejected = errors.some(
          ({ code, message }) => (code !== undefined && rejectCodes.has(normalise(code))) || /\binvalid_grant\b/.test(message ?? ''),
        )
        const codes = errors.map(({ code }) => code ?? 'no code').join(', ')
        throw new AuthError(rejected ? 'refresh_rejected' : 'refresh_failed', `The refresh mutation answered with errors (${codes}).`)
      }
      const data = (body as { data?: Record<string, unknown> | null }).data
      return toPair(pick(data?.[field], ['jwt', 'accessToken', 'access_token']), context.refreshToken)
    })
}

/** A `revoke` that calls a GraphQL logout mutation with the Bearer token. */
export function graphqlRevoke(options: GraphqlRevokeOptions): (context: RevokeContext) => Promise<void> {
  return (context) =>
    exchange(options, undefined, 'revoke_failed', async (signal, fetchImpl) => {
      const query = context.everywhere ? (options.everywhereMutation ?? options.mutation) : options.mutation
      const values = { refreshToken: context.refreshToken ?? undefined, everywhere: context.everywhere }
      const payload = { query, variables: declared(query, values) }
      const response = await fetchImpl(options.url, jsonPost(options, payload, signal, context.accessToken))
      let body: unknown
      try {
        body = await readJsonAnswer(response, 'logout')
      } catch (cause) {
        const status = cause instanceof AuthError ? cause.status : undefined
        throw new AuthError('revoke_failed', 'The logout mutation failed.', { status, cause })
      }
      const errors = errorsOf(body)
      if (errors.length > 0) {
        throw new AuthError('revoke_failed', `The logout mutation answered with errors (${errors.map((e) => e.code ?? 'no code').join(', ')}).`)
      }
    })
}

function defaultRefreshQuery(field: string, values: { refreshToken?: string; fingerprintHash?: string }): string {
  const names = (['refreshToken', 'fingerprintHash'] as const).filter((name) => values[name] !== undefined)
  if (names.length === 0) return `mutation RefreshJwtToken { ${field} { jwt refreshToken } }`
  const declarations = names.map((name) => `$${name}: String!`).join(', ')
  const args = names.map((name) => `${name}: $${name}`).join(', ')
  return `mutation RefreshJwtToken(${declarations}) { ${field}(${args}) { jwt refreshToken } }`
}

/** Only the variables the operation declares: Hasura refuses unexpected ones. */
function declared(query: string, values: Record<string, unknown>): Record<string, unknown> {
  const variables: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && new RegExp(`\\$${name}\\b`).test(query)) variables[name] = value
  }
  return variables
}

function errorsOf(body: unknown): { code?: string; message?: string }[] {
  const errors = typeof body === 'object' && body !== null ? (body as { errors?: unknown }).errors : undefined
  if (!Array.isArray(errors)) return []
  return errors.map((error: unknown) => {
    const { message, extensions } = (typeof error === 'object' && error !== null ? error : {}) as {
      message?: unknown
      extensions?: { code?: unknown }
    }
    const code = extensions?.code
    return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined }
  })
}
