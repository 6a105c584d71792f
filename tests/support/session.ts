// What the unit tests share: one fixed clock, a tab on its own, and reading a token's claims.
// Imports the source files directly (not the testing entry), so nothing here loads React.
import { vi } from 'vitest'
import { createAuthClient } from '../../src/core/client'
import type { TokenPair } from '../../src/core/tokens'
import type { AuthClientOptions, AuthEvent, RefreshContext } from '../../src/core'
import { createTestJwt } from '../../src/testing/jwt'
import { createMemoryStorage } from '../../src/testing/memoryStorage'

/** The time every fake clock starts at. */
export const T0 = Date.UTC(2026, 0, 1, 12)

/** Fakes only the timers the client uses; React's scheduler (setImmediate) keeps running. */
export function useFakeClock(now = T0) {
  vi.useFakeTimers({ now, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
}

/** The payload of a JWT, read without verifying it (the tests check what was issued, not the signature). */
export function readClaims<T = Record<string, unknown>>(token: string): T {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as T
}

/** A refresh option that rotates tokens (`rt-1`, `rt-2`, …); `expiresIn` seconds for every new access token. */
export function refreshSpy(expiresIn = 900, claims: Record<string, unknown> = { sub: 'user-1' }) {
  let rotation = 0
  return vi.fn(async (_context: RefreshContext): Promise<TokenPair> => ({
    accessToken: createTestJwt(claims, { expiresIn }),
    refreshToken: `rt-${++rotation}`,
  }))
}

/** The pair a login hands over: refresh token `rt-0`. */
export const loginPair = (claims: Record<string, unknown> = { sub: 'user-1' }, expiresIn = 900): TokenPair => ({
  accessToken: createTestJwt(claims, { expiresIn }),
  refreshToken: 'rt-0',
})

/** Options for a tab on its own: memory storage, no channel, no locks, no page listeners, events captured. */
export function standaloneOptions(overrides: Partial<AuthClientOptions> = {}) {
  const events: AuthEvent[] = []
  const refresh = refreshSpy()
  const options: AuthClientOptions = {
    refresh,
    storage: createMemoryStorage(),
    channel: null,
    locks: null,
    random: () => 0.5,
    wakeEvents: () => () => {},
    onEvent: (event) => events.push(event),
    ...overrides,
  }
  return { options, events, refresh: (overrides.refresh ?? refresh) as typeof refresh }
}

/** A client for a tab on its own (see `standaloneOptions`), with its events and refresh spy. */
export function standaloneClient(overrides: Partial<AuthClientOptions> = {}) {
  const { options, events, refresh } = standaloneOptions(overrides)
  return { client: createAuthClient(options), events, refresh }
}

/**
 * A sessionStorage stand-in that already holds a session, written by a real client so the test
 * does not depend on the stored format. Move the clock past `expiresIn` for an expired one.
 */
export function storageWithSession(claims: Record<string, unknown> = { sub: 'user-1' }, expiresIn = 900, storageKey?: string) {
  const storage = createMemoryStorage()
  const writer = createAuthClient({ refresh: refreshSpy(), storage, storageKey, channel: null, locks: null })
  writer.login(loginPair(claims, expiresIn))
  return storage
}
