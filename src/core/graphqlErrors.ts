// GraphQL servers answer auth failures with HTTP 200 and `errors[].extensions.code`. One matching
// rule for every list here and for lists users pass: codes compare after lower-casing and turning
// `-` into `_`, so `invalid-jwt` and `INVALID_JWT` are the same code.

/** Codes an API answers an unusable access token with (Hasura): what `graphqlErrors: true` treats like a 401. */
export const ACCESS_TOKEN_REFUSED: readonly string[] = ['invalid-jwt', 'invalid-headers']

/** Codes a refresh mutation answers a dead refresh token with: the default `rejectCodes`. */
export const REFRESH_TOKEN_REFUSED: readonly string[] = [
  'invalid_jwt',
  'access_denied',
  'invalid_grant',
  'invalid_token',
  'unauthenticated',
  'unauthorized',
  'forbidden',
]

export interface GraphqlError {
  message?: unknown
  extensions?: { code?: unknown }
}

const normalise = (code: unknown) => String(code).toLowerCase().replace(/-/g, '_')

/** Whether any of `errors` (anything: it comes from a response body) carries one of `codes`. */
export function hasErrorCode(errors: unknown, codes: readonly string[]): boolean {
  if (!Array.isArray(errors)) return false
  const wanted = codes.map(normalise)
  return errors.some((error: GraphqlError | null) => wanted.includes(normalise(error?.extensions?.code)))
}
