import { AuthError } from './errors'

// The rule that keeps one user's request from going out under another's token: a request is sent,
// and replayed after a 401, only under the login it was composed for (`client.fetch`,
// `attachAxios`, and `refresh({ staleToken })`). Its own module, so `/axios` takes only this.

/**
 * Throws `session_changed` when another login took over while a request waited for its token
 * (`composedFor`: the login it was composed under, null when there was none): the request was
 * the previous user's to make, so it is not sent.
 */
export function checkSameLogin(composedFor: string | null, current: string | null): void {
  if (composedFor !== null && current !== composedFor) {
    throw new AuthError('session_changed', 'The session changed before the request was sent; it was not sent.')
  }
}

/** A replay refused: the request was composed for a login that has since ended or changed. */
export const sessionChanged = () =>
  new AuthError('session_changed', 'The request was composed for a session that has since ended or changed; it was not replayed.')
