import type { Engine } from './engine'
import { AuthError } from './errors'
import type { JwtClaims, Session } from './tokens'
import { transition } from './transition'
import type { DpopSigner, LogoutReason } from './types'

/**
 * Ends the session in every tab for `reason` now, and returns what revokes it on the server (null
 * without a session). A DPoP signer is taken before the session — and with it the key — is let go.
 */
export function endEverywhere<TClaims extends JwtClaims>(e: Engine<TClaims>, reason: LogoutReason): (() => Promise<void>) | null {
  const ended = e.session
  const dpop = ended ? e.parts.signer?.() : undefined
  void transition(e, null, { type: 'logged_out', reason, fromOtherTab: false }, { broadcast: true })
  return ended && (() => revokeSession(e, ended, reason === 'everywhere', dpop))
}

/** Revokes an ended session on the server: best effort, reported, never thrown. */
async function revokeSession<TClaims extends JwtClaims>(
  e: Engine<TClaims>,
  ended: Session<TClaims>,
  everywhere: boolean,
  dpop: DpopSigner | undefined,
): Promise<void> {
  if (!e.options.revoke) return
  try {
    await e.options.revoke({ refreshToken: ended.refreshToken, accessToken: ended.accessToken, everywhere, dpop })
  } catch (cause) {
    e.emit({ type: 'revoke_failed', error: new AuthError('revoke_failed', 'Server-side logout failed.', { cause }) })
  }
}
