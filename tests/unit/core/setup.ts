import { createAuthClient } from '../../../src/core/client'
import type { AuthClientOptions } from '../../../src/core'
import type { TokenPair } from '../../../src/core/tokens'
import type { WakeKind } from '../../../src/core/wakeEvents'
import { loginPair, refreshSpy, standaloneOptions } from '../../support/session'

/** A standalone tab (no channel, no locks) with a refresh spy, captured events and a `wake()` of its own. */
export function setup(overrides: Partial<AuthClientOptions> & { expiresIn?: number } = {}) {
  const { expiresIn = 900, ...rest } = overrides
  let wake: (kind?: WakeKind) => void = () => {}
  const { options, events, refresh } = standaloneOptions({
    refresh: refreshSpy(expiresIn),
    wakeEvents: (onWake) => {
      wake = onWake
      return () => (wake = () => {})
    },
    ...rest,
  })
  const client = createAuthClient(options)
  const tokens = (seconds = expiresIn): TokenPair => loginPair({ sub: 'user-1' }, seconds)
  return { client, storage: options.storage as Storage, events, refresh, tokens, wake: (kind?: WakeKind) => wake(kind) }
}

/** What the client keeps in sessionStorage for a pair: one login (`family`) at generation `gen`. */
export function storedSession(accessToken: string, refreshToken: string | null = 'rt-stored', { family = 'stored', gen = 0 } = {}) {
  return JSON.stringify({ v: 2, accessToken, refreshToken, skew: 0, receivedAt: Date.now(), family, login: 1, since: 0, gen })
}
