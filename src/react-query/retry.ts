// React Query's own default is three retries; everything but an auth failure keeps it.
const DEFAULT_RETRIES = 3
const NO_RETRY = ['unauthenticated', 'refresh_rejected', 'session_changed', 'insecure_origin', 'step_up_required']

/**
 * True for errors no retry can fix: the session is gone or changed hands (`AuthError`
 * unauthenticated, refresh_rejected, session_changed), the user must sign in again
 * (step_up_required), the configuration refuses the request (insecure_origin), or the server
 * refused it (`HttpError` 401/403). Matched by name and
 * fields rather than `instanceof`, so two copies of the library (ESM + CJS) still agree.
 */
export function isAuthFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { name, code, status } = error as { name?: unknown; code?: unknown; status?: unknown }
  if (name === 'AuthError') return NO_RETRY.includes(code as string)
  if (name === 'HttpError') return status === 401 || status === 403
  return false
}

/** A `retry` option for React Query: never retries auth failures, otherwise up to 3 retries. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  return failureCount < DEFAULT_RETRIES && !isAuthFailure(error)
}
