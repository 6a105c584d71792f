import type { AuthClient } from '../core/options'
import type { JwtClaims } from '../core/tokens'
import { connect, type DevtoolsOptions } from './hub'

/**
 * Starts recording `auth` for the devtools without a panel: from now on, this tab's records and
 * every connected tab's reach `diagnose(auth)`. Returns the function that stops (a mounted panel
 * keeps recording until it unmounts).
 */
export function connectAuthDevtools<TClaims extends JwtClaims>(auth: AuthClient<TClaims>, options?: DevtoolsOptions): () => void {
  return connect(auth as unknown as AuthClient<never>, options).release
}
