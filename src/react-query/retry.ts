// React Query's own default is three retries; everything but an auth failure keeps it.
const DEFAULT_RETRIES = 3

/**
 * True for errors no retry can fix: the session is gone (`AuthError` unauthenticated or
 * refresh_rejected) or the server refused the request (`HttpError` 401/403). Matched by name and
 * fields rather than `instanceof`, so two copies of the library (ESM + CJS) still agree.
 */
export function isAuthFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { name, code, status } = error as { name?: unknown; code?: unknown; status?: unknown }
  if (name === 'AuthError') return code === 'unauthenticated' || code === 'refresh_rejected'
  if (name === 'HttpError') return status === 401 || status === 403
  return false
}

/** A `retry` option for React Query: never retries auth failures, otherwise up to 3 retries. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  return failureCount < DEFAULT_RETRIES && !isAuthFailure(error)
}
