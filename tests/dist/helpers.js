// Shared by the dist smoke tests. Plain JavaScript on purpose: `npm run typecheck` runs before any
// build and resolves 'jwt-tab-session' to src/ (tsconfig paths). The dist declarations are
// type-checked by scripts/checkPackage.mjs instead.
import { vi } from 'vitest'
import { createAuthClient } from 'jwt-tab-session/core'
import { createMemoryStorage, createTestJwt } from 'jwt-tab-session/testing'

export const T0 = Date.UTC(2026, 0, 1, 12)

/** Fakes only the timers the client uses; React's scheduler (setImmediate) keeps running. */
export function useFakeClock() {
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
}

export const loginPair = (sub = 'user-1') => ({ accessToken: createTestJwt({ sub }), refreshToken: 'rt-0' })

/** A tab on its own (memory storage, no channel, no locks, no page listeners) with spies. */
export function standalone({ refresh: givenRefresh, revoke: givenRevoke, ...overrides } = {}) {
  let rotation = 0
  const refresh = givenRefresh ?? vi.fn(async () => ({ accessToken: createTestJwt({ sub: 'user-1' }), refreshToken: `rt-${++rotation}` }))
  const revoke = givenRevoke ?? vi.fn(async () => {})
  const storage = createMemoryStorage()
  const client = createAuthClient({
    refresh,
    revoke,
    storage,
    channel: null,
    locks: null,
    random: () => 0.5,
    wakeEvents: () => () => {},
    ...overrides,
  })
  return { client, refresh, revoke, storage }
}
