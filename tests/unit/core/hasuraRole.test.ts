import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, type AuthClient } from '../../../src/core/client'
import { HASURA_NAMESPACE } from '../../../src/core/hasura'
import { hasuraRole } from '../../../src/parts/hasuraRole'
import type { AuthClientOptions } from '../../../src/core'
import { createMemoryStorage, createTabHarness, createTestJwt } from '../../../src/testing'
import { useFakeClock } from '../../support/session'

beforeEach(() => useFakeClock())
afterEach(() => vi.useRealTimers())

const API = 'https://hasura.example.com'

const hasuraToken = (allowed: string[], sub = 'user-1') =>
  createTestJwt({
    sub,
    [HASURA_NAMESPACE]: { 'x-hasura-user-id': sub, 'x-hasura-default-role': 'user', 'x-hasura-allowed-roles': allowed },
  })

function browser() {
  const harness = createTabHarness()
  const seen: { url: string; role: string | null }[] = []
  const api = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    seen.push({ url: request.url, role: request.headers.get('x-hasura-role') })
    return new Response('{}')
  })
  let allowed = ['user', 'editor']
  const refresh = vi.fn(async () => ({ accessToken: hasuraToken(allowed), refreshToken: 'rt-next' }))
  const open = (overrides: Partial<AuthClientOptions> = {}): AuthClient => {
    const client = createAuthClient({
      refresh,
      role: hasuraRole(),
      fetch: api as typeof fetch,
      allowedOrigins: [API],
      ...harness.tab(),
      wakeEvents: () => () => {},
      ...overrides,
    })
    client.start()
    return client
  }
  return { open, seen, refresh, allow: (roles: string[]) => (allowed = roles), inject: harness.inject }
}

const roles = (tabs: AuthClient[]) => tabs.map((tab) => tab.getSnapshot().role)

describe('hasuraRole(): the active Hasura role', () => {
  it('is sent as x-hasura-role to allowed origins only, and in getAuthHeaders; the caller’s own header wins', async () => {
    const { open, seen } = browser()
    const tab = open()
    await vi.advanceTimersByTimeAsync(300)
    tab.login({ accessToken: hasuraToken(['user', 'editor']), refreshToken: 'rt-0' })
    await tab.fetch(`${API}/v1/graphql`)
    tab.setRole('editor')
    await tab.fetch(`${API}/v1/graphql`)
    await tab.fetch('https://elsewhere.example.com/data')
    await tab.fetch(`${API}/v1/graphql`, { headers: { 'X-Hasura-Role': 'user' } })
    expect(seen.map((s) => s.role)).toEqual([null, 'editor', null, 'user'])
    expect(await tab.getAuthHeaders()).toMatchObject({ 'x-hasura-role': 'editor' })
  })

  it('refuses a role the token does not allow, and any role without a session or without hasuraRole()', async () => {
    const { open } = browser()
    const tab = open()
    expect(() => tab.setRole('editor')).toThrow(expect.objectContaining({ code: 'unauthenticated' }))
    await vi.advanceTimersByTimeAsync(300)
    tab.login({ accessToken: hasuraToken(['user', 'editor']), refreshToken: 'rt-0' })
    expect(() => tab.setRole('admin')).toThrow(expect.objectContaining({ code: 'role_not_allowed' }))
    expect(tab.getSnapshot().role).toBeNull()
    const plain = createAuthClient({ refresh: vi.fn(), channel: null, locks: null, storage: null, wakeEvents: () => () => {} })
    expect(() => plain.setRole('editor')).toThrow(TypeError)
  })

  it('is shared by every tab of the login, asked for by a tab that opens later, kept over a reload, and gone at logout', async () => {
    const { open } = browser()
    const tabs = [open(), open()]
    await vi.advanceTimersByTimeAsync(300)
    tabs[0]!.login({ accessToken: hasuraToken(['user', 'editor']), refreshToken: 'rt-0' })
    await vi.advanceTimersByTimeAsync(0)
    tabs[1]!.setRole('editor')
    await vi.advanceTimersByTimeAsync(0)
    expect(roles(tabs)).toEqual(['editor', 'editor'])

    const late = open()
    await vi.advanceTimersByTimeAsync(300)
    expect(late.getSnapshot()).toMatchObject({ status: 'authenticated', role: 'editor' })

    const storage = createMemoryStorage()
    const reloaded = open({ storage })
    await vi.advanceTimersByTimeAsync(300)
    reloaded.stop()
    const again = open({ storage, channel: null }) // the same tab after a reload, asking no one
    expect(again.getSnapshot().role).toBe('editor')

    tabs[0]!.setRole(null)
    await vi.advanceTimersByTimeAsync(0)
    expect(roles([...tabs, late])).toEqual([null, null, null])
    tabs[1]!.setRole('editor')
    await vi.advanceTimersByTimeAsync(0)
    await tabs[0]!.logout()
    await vi.advanceTimersByTimeAsync(0)
    expect(roles([...tabs, late])).toEqual([null, null, null])
    tabs[0]!.login({ accessToken: hasuraToken(['user', 'editor'], 'user-2'), refreshToken: 'rt-2' })
    await vi.advanceTimersByTimeAsync(0)
    expect(roles([...tabs, late])).toEqual([null, null, null]) // a new login starts from the default role
  })

  it('agrees in every tab after restarts: a tab that starts with a stored choice tells the tabs that asked while it was stopped', async () => {
    const { open } = browser()
    const tabs = [open(), open()]
    await vi.advanceTimersByTimeAsync(300)
    tabs[0]!.login({ accessToken: hasuraToken(['user', 'editor']), refreshToken: 'rt-0' })
    await vi.advanceTimersByTimeAsync(0)

    // Tab 0 restarts while tab 1 is stopped, so no one answers it; tab 1 then brings back its choice.
    tabs[0]!.stop()
    tabs[1]!.setRole('user')
    tabs[1]!.stop()
    tabs[0]!.start()
    await vi.advanceTimersByTimeAsync(300)
    tabs[1]!.start()
    await vi.advanceTimersByTimeAsync(300)
    expect(roles(tabs)).toEqual(['user', 'user'])
  })

  it('keeps the newer choice when a tab restarts with a stale one: the choice another tab made meanwhile wins', async () => {
    const { open } = browser()
    const tabs = [open(), open()]
    await vi.advanceTimersByTimeAsync(300)
    tabs[0]!.login({ accessToken: hasuraToken(['user', 'editor']), refreshToken: 'rt-0' })
    await vi.advanceTimersByTimeAsync(0)
    tabs[1]!.setRole('user')
    await vi.advanceTimersByTimeAsync(0)

    tabs[1]!.stop()
    await vi.advanceTimersByTimeAsync(1000)
    tabs[0]!.setRole('editor')
    tabs[1]!.start()
    await vi.advanceTimersByTimeAsync(300)
    expect(roles(tabs)).toEqual(['editor', 'editor'])

    // The same with a choice of the default role, which is newer than a stored one too.
    tabs[1]!.stop()
    await vi.advanceTimersByTimeAsync(1000)
    tabs[0]!.setRole(null)
    tabs[1]!.start()
    await vi.advanceTimersByTimeAsync(300)
    expect(roles(tabs)).toEqual([null, null])
  })

  it('works in this tab alone where the browser refuses a channel: start() does not throw, setRole still applies', async () => {
    const { open, seen } = browser()
    const refusing = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError')
    }
    let tab: AuthClient | undefined
    expect(() => (tab = open({ channel: refusing }))).not.toThrow()
    tab!.login({ accessToken: hasuraToken(['user', 'editor']), refreshToken: 'rt-0' })
    tab!.setRole('editor')
    await tab!.fetch(`${API}/v1/graphql`)
    expect(tab!.getSnapshot().role).toBe('editor')
    expect(seen.map((s) => s.role)).toEqual(['editor'])
    expect(() => tab!.stop()).not.toThrow()
  })

  it('ignores role messages for another login, for a role the token does not allow, of another version, or older than the one it holds', async () => {
    const { open, inject } = browser()
    const tab = open()
    await vi.advanceTimersByTimeAsync(300)
    tab.login({ accessToken: hasuraToken(['user', 'editor']), refreshToken: 'rt-0' })
    const sessionId = tab.getSnapshot().sessionId
    const at = Date.now()
    const say = (message: object) => inject('jwt-session:jwt-session:role', { type: 'jwt-session:role', v: 2, at, ...message })
    say({ sessionId: 'another-login', role: 'editor' })
    say({ sessionId, role: 'admin' })
    say({ sessionId, role: 'editor', v: 1 })
    say({ sessionId, role: 'editor', at: 'now' })
    expect(tab.getSnapshot().role).toBeNull()
    say({ sessionId, role: 'editor' }) // the same message for this login, allowed: heard
    expect(tab.getSnapshot().role).toBe('editor')
    say({ sessionId, role: 'user', at: at - 1 }) // chosen before the one it holds
    expect(tab.getSnapshot().role).toBe('editor')
  })

  it('falls back to the default role when a refreshed token no longer allows it', async () => {
    const { open, allow } = browser()
    const tab = open()
    await vi.advanceTimersByTimeAsync(300)
    tab.login({ accessToken: hasuraToken(['user', 'editor']), refreshToken: 'rt-0' })
    tab.setRole('editor')
    allow(['user'])
    await tab.refresh()
    expect(tab.getSnapshot().role).toBeNull()
  })
})
