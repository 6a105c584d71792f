/** Every failure the library reports carries one of these codes. None ever carries a token. */
export type AuthErrorCode =
  | 'invalid_token' // a token given to login or returned by refresh is not a usable JWT
  | 'refresh_rejected' // the server refused the refresh token (400/401/403): the session is over
  | 'refresh_failed' // network error, 5xx, 429, timeout or a malformed answer: retried with backoff
  | 'unauthenticated' // an operation needs a session and there is none
  | 'storage_unavailable' // sessionStorage threw; the session lives in memory for this tab
  | 'revoke_failed' // the server-side logout call failed; the local logout happened anyway
  | 'no_provider' // a React hook was used outside <AuthProvider>

/** The one error type of the library: `code` says what happened, `status` the HTTP status when there was one. */
export class AuthError extends Error {
  override readonly name = 'AuthError'
  readonly code: AuthErrorCode
  /** HTTP status of the response that caused this error, when there was one. */
  readonly status: number | undefined

  constructor(code: AuthErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options.status
  }
}

/** Narrows an unknown error (a catch clause, a query error) to `AuthError`. */
export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError
}

/**
 * How a custom `refresh` function tells a dead session from a passing failure: throw an
 * `AuthError('refresh_rejected')`, or any error with a numeric `status` (400/401/403 are
 * rejections). Everything else — network errors, 5xx, 429, timeouts — is transient.
 */
export function classifyRefreshError(error: unknown): AuthError {
  if (error instanceof AuthError && /^refresh_/.test(error.code)) return error
  const { status } = (error ?? {}) as { status?: unknown }
  if (typeof status !== 'number') {
    // A foreign error's message could quote a token; only its class name is safe to repeat.
    const name = error instanceof AuthError ? error.code : error instanceof Error ? error.name : typeof error
    return new AuthError('refresh_failed', `Refresh failed (${name}); retrying.`, { cause: error })
  }
  const rejected = status === 400 || status === 401 || status === 403
  return new AuthError(rejected ? 'refresh_rejected' : 'refresh_failed', `Refresh answered HTTP ${status}.`, { status, cause: error })
}
