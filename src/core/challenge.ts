/**
 * What a resource server asks for beyond a valid token, read from `WWW-Authenticate`: a more
 * recent or stronger sign-in (RFC 9470 `insufficient_user_authentication`, with `acr_values` and
 * `max_age`), more scope (RFC 6750 `insufficient_scope`), or more claims (`insufficient_claims`,
 * with `claims`). A new token from a refresh cannot satisfy any of them: the user must sign in.
 */
export interface StepUpChallenge {
  error: 'insufficient_user_authentication' | 'insufficient_scope' | 'insufficient_claims'
  /** Space-separated ACR values the sign-in must meet. */
  acrValues?: string
  /** The sign-in must be at most this many seconds old. */
  maxAge?: number
  /** Space-separated scopes the request needs. */
  scope?: string
  /** The claims the server asks for, as it sent them (often base64-encoded JSON). */
  claims?: string
}

const STEP_UP_ERRORS: readonly string[] = ['insufficient_user_authentication', 'insufficient_scope', 'insufficient_claims']
// One auth-param of a Bearer or DPoP challenge: name="quoted \"value\"" or name=token.
const AUTH_PARAM = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))/g

/** The step-up challenge in a `WWW-Authenticate` header, or null when it asks for something else (or nothing). */
export function readStepUpChallenge(header: string | null): StepUpChallenge | null {
  if (!header || header.length > 8192) return null
  const params = new Map<string, string>()
  for (const [, name, quoted, token] of header.matchAll(AUTH_PARAM)) {
    const key = name!.toLowerCase()
    if (!params.has(key)) params.set(key, quoted === undefined ? token! : quoted.replace(/\\(.)/g, '$1'))
  }
  const error = params.get('error')
  if (!error || !STEP_UP_ERRORS.includes(error)) return null
  const maxAge = Number(params.get('max_age'))
  return {
    error: error as StepUpChallenge['error'],
    ...(params.has('acr_values') && { acrValues: params.get('acr_values') }),
    ...(params.has('max_age') && Number.isSafeInteger(maxAge) && maxAge >= 0 && { maxAge }),
    ...(params.has('scope') && { scope: params.get('scope') }),
    ...(params.has('claims') && { claims: params.get('claims') }),
  }
}
