// "Expire the access token now", in one tab: the session this tab holds changes, through the
// engine's one transition, to a copy whose token expires now (cause `held_expired`, which emits no
// event, stores nothing and tells no tab), and the engine plans what follows as it does for any
// session: a token past its refresh time is refreshed at once, and a request waits for that
// refresh; the state says so (`tokenExpired`), as for a token that runs out while retrying. Nothing
// in src/core knows of it: the devtools reach the engine through `client[INSPECT]`.
import type { Engine } from '../core/engine'
import type { JwtClaims } from '../core/tokens'
import { planRefresh, transition } from '../core/transition'

/**
 * Expires the session `e` holds now, if it still is the generation `only` names (a fault told by
 * another tab, which may have rotated it since). False without a session, or unless the refresh
 * machine is idle (a refresh on its way, a backoff or a refused token already plan what comes next).
 */
export function expireHere(e: Engine<JwtClaims>, only?: { family: string; gen: number }): boolean {
  const { session } = e
  if (!session || e.refresher.state.status !== 'idle') return false
  if (only && (only.family !== session.family || only.gen !== session.gen)) return false
  const expiresAt = Math.min(session.expiresAt, e.env.now())
  void transition(e, { ...session, expiresAt }, { type: 'held_expired' })
  e.cell.patch({ expiresAt, tokenExpired: true })
  // A stopped client plans nothing: its next request refreshes.
  planRefresh(e)
  return true
}
