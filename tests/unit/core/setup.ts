import { vi } from 'vitest'
import { createAuthClient } from '../../../src/core/client'
import type { AuthClientOptions, AuthEvent, RefreshContext } from '../../../src/core/types'
import type { TokenPair } from '../../../src/core/tokens'
import type { WakeKind } from '../../../src/core/wakeEvents'
import { createMemoryStorage, createTestJwt } from '../../../src/testing'

export const T0 = Date.UTC(2026, 0, 1, 12)

/** A standalone tab (no channel, no locks) on fake timers, with a refresh spy and captured events. */
export function setup(overrides: Partial<AuthClientOptions> & { expiresIn?: number } = {}) {
  const { expiresIn = 900, ...options } = overrides
  const storage = (options.storage as Storage | undefined) ?? createMemoryStorage()
  const events: AuthEvent[] = []
  let wake: (kind?: WakeKind) => void = () => {}
  let rotation = 0
  const refresh = vi.fn(
    async (_context: RefreshContext): Promise<TokenPair> => ({
      accessToken: createTestJwt({ sub: 'user-1' }, { expiresIn }),
      refreshToken: `refresh-${++rotation}`,
    }),
  )
  const client = createAuthClient({
    refresh,
    storage,
    channel: null,
    locks: null,
    random: () => 0.5,
    onEvent: (event) => events.push(event),
    wakeEvents: (onWake) => {
      wake = onWake
      return () => (wake = () => {})
    },
    ...options,
  })
  const tokens = (seconds = expiresIn): TokenPair => ({
    accessToken: createTestJwt({ sub: 'user-1' }, { expiresIn: seconds }),
    refreshToken: 'refresh-0',
  })
  return { client, storage, events, refresh, tokens, wake: (kind?: WakeKind) => wake(kind) }
}

export function useFakeClock(now = T0) {
  vi.useFakeTimers({ now, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
}

/** What the client keeps in sessionStorage for a pair: one login (`family`) at generation `gen`. */
export function storedSession(accessToken: string, refreshToken: string | null = 'rt-stored', { family = 'stored', gen = 0 } = {}) {
  return JSON.stringify({ v: 2, accessToken, refreshToken, skew: 0, receivedAt: Date.now(), family, login: 1, since: 0, gen })
}
