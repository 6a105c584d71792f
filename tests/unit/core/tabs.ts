import { vi } from 'vitest'
import { createAuthClient, type AuthClient } from '../../../src/core/client'
import type { TokenPair } from '../../../src/core/tokens'
import type { AuthClientOptions, AuthEvent, RefreshContext } from '../../../src/core'
import { createTabHarness, createTestJwt } from '../../../src/testing'

/**
 * A strict rotating server in miniature: each refresh token works once; reuse is counted. Each
 * login gets its own chain of tokens for its user (`sub`). `iatShift` moves the issue time of
 * the tokens it mints (a server clock that steps back).
 */
export function rotatingServer(ttl = 60) {
  let serial = 0
  const owner = new Map<string, string>([['rt-0', 'user-1']])
  const counts = { refreshes: 0, reuse: 0 }
  const clock = { iatShift: 0 }
  const mint = (sub: string) => createTestJwt({ sub }, { expiresIn: ttl, now: Date.now() + clock.iatShift })
  const refresh = vi.fn(async ({ refreshToken }: RefreshContext): Promise<TokenPair> => {
    const sub = refreshToken === null ? undefined : owner.get(refreshToken)
    if (!refreshToken || !sub || !owner.delete(refreshToken)) {
      counts.reuse++
      throw Object.assign(new Error('invalid_grant'), { status: 401 })
    }
    counts.refreshes++
    const next = `rt-${++serial}`
    owner.set(next, sub)
    return { accessToken: mint(sub), refreshToken: next }
  })
  /** The first login is `rt-0` for user-1; later ones get fresh refresh tokens. */
  const loginPair = (sub = 'user-1'): TokenPair => {
    const refreshToken = serial === 0 && sub === 'user-1' && owner.has('rt-0') ? 'rt-0' : `rt-${++serial}`
    owner.set(refreshToken, sub)
    return { accessToken: mint(sub), refreshToken }
  }
  return { refresh, counts, loginPair, clock }
}

/** A refresh that waits at the server until `release()` is called. */
export function heldUntilReleased(refresh: (context: RefreshContext) => Promise<TokenPair>) {
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const slow = vi.fn(async (context: RefreshContext) => (await gate, refresh(context)))
  return { slow, release }
}

export function openTabs(count: number, refresh: (context: RefreshContext) => Promise<TokenPair>, latency = 0) {
  const harness = createTabHarness({ latency })
  const events: AuthEvent[][] = []
  const tabs: AuthClient[] = []
  const open = (overrides: Partial<AuthClientOptions> = {}) => {
    const log: AuthEvent[] = []
    events.push(log)
    const client = createAuthClient({ refresh, ...harness.tab(), onEvent: (e) => log.push(e), wakeEvents: () => () => {}, ...overrides })
    client.start()
    tabs.push(client)
    return client
  }
  for (let i = 0; i < count; i++) open({ random: () => i / count })
  return { harness, tabs, events, open }
}
