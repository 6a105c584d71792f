// data/sessionChange.ts — re-check the routes when the session ends or changes hands, in any tab
import type { AuthClient } from 'jwt-tab-session'

/**
 * Calls `recheck` when the status or the login changes once the session is known: a logout or a
 * login in another tab, a refused refresh. The first answer is not a change (the guards awaited
 * it), nor is a token refresh. Returns the unsubscribe function.
 */
export function onSessionChange(auth: AuthClient, recheck: () => void): () => void {
  let { status, sessionId } = auth.getSnapshot()
  return auth.subscribe(() => {
    const next = auth.getSnapshot()
    const changed = status !== 'initializing' && (next.status !== status || next.sessionId !== sessionId)
    status = next.status
    sessionId = next.sessionId
    if (changed) recheck()
  })
}
