import type { StepUpChallenge } from './challenge'

/** Every failure the library reports carries one of these codes. None ever carries a token. */
export type AuthErrorCode =
  | 'invalid_token' // a token given to login or returned by refresh is not a usable JWT
  | 'refresh_rejected' // the server refused the refresh token (400/401/403): the session is over
  | 'refresh_failed' // network error, 5xx, 429, timeout or no answer yet: retried with backoff
  | 'unauthenticated' // an operation needs a session and there is none
  | 'session_changed' // a request composed for one login would have been sent or replayed under another
  | 'role_not_allowed' // setRole() named a role the token's allowed roles do not include
  | 'step_up_required' // the API wants a more recent or stronger sign-in, or more scope or claims (`challenge`)
  | 'dpop_unavailable' // DPoP mode: no key could be made or kept (Web Crypto or IndexedDB blocked), or none signed the login
  | 'dpop_proof_refused' // the server refused a DPoP proof even after answering its nonce or clock once; no refresh was spent
  | 'insecure_origin' // a token would travel over plain http to a host that is not this machine
  | 'storage_unavailable' // sessionStorage threw; the session lives in memory for this tab
  | 'revoke_failed' // the server-side logout call failed; the local logout happened anyway
  | 'no_provider' // a React hook was used outside <AuthProvider>

/** What is kept of a foreign error given as `cause`: its message or fields could quote a token. */
interface SafeCause {
  name: string
  status?: number
  code?: string
}

/** The one error type of the library: `code` says what happened, `status` the HTTP status when there was one. */
export class AuthError extends Error {
  override readonly name = 'AuthError'
  readonly code: AuthErrorCode
  /** HTTP status of the response that caused this error, when there was one. */
  readonly status: number | undefined
  /** With `step_up_required`: what the server asks for, read from its `WWW-Authenticate` header. */
  readonly challenge: StepUpChallenge | undefined

  constructor(code: AuthErrorCode, message: string, options: { status?: number; cause?: unknown; challenge?: StepUpChallenge } = {}) {
    const { cause } = options
    super(message, cause === undefined ? undefined : { cause: cause instanceof AuthError ? cause : safeCause(cause) })
    this.code = code
    this.status = options.status
    this.challenge = options.challenge
  }
}

function safeCause(error: unknown): SafeCause {
  const { name, status, code } = Object(error) as Record<string, unknown>
  return {
    name: typeof name === 'string' ? name : typeof error,
    ...(typeof status === 'number' && { status }),
    ...(typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) && { code }),
  }
}

/**
 * Narrows an unknown error (a catch clause, a query error) to `AuthError`. Matched by name and
 * code rather than `instanceof`, so an error from the other copy of the library (the ESM and the
 * CommonJS build both loaded) is recognised too.
 */
export function isAuthError(value: unknown): value is AuthError {
  return value instanceof Error && value.name === 'AuthError' && typeof (value as AuthError).code === 'string'
}

/** 400/401/403 from a refresh endpoint: the server refused the refresh token for good. */
export const isRejectionStatus = (status: number): boolean => status === 400 || status === 401 || status === 403

/**
 * How a custom `refresh` function tells a dead session from a passing failure: throw an
 * `AuthError('refresh_rejected')`, or any error with a numeric `status` (400/401/403 are
 * rejections). Everything else — network errors, 5xx, 429, timeouts — is transient. An
 * `AuthError('invalid_token')` says the server answered but its pair is unusable.
 */
export function classifyRefreshError(error: unknown): AuthError {
  if (error instanceof AuthError && (/^refresh_/.test(error.code) || error.code === 'invalid_token')) return error
  const { status } = (error ?? {}) as { status?: unknown }
  // Another AuthError's code says what happened (dpop_proof_refused: the proof, not the token).
  if (typeof status !== 'number' || error instanceof AuthError) {
    // A foreign error's message could quote a token; only its class name is safe to repeat.
    const name = error instanceof AuthError ? error.code : error instanceof Error ? error.name : typeof error
    return new AuthError('refresh_failed', `Refresh failed (${name}); retrying.`, { cause: error })
  }
  const rejected = isRejectionStatus(status)
  return new AuthError(rejected ? 'refresh_rejected' : 'refresh_failed', `Refresh answered HTTP ${status}.`, { status, cause: error })
}
