import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../../src/core/client'
import { createTabHarness, createMemoryStorage } from '../../../src/testing'
import { loginPair, refreshSpy, useFakeClock } from '../../support/session'
import { storedSession } from './setup'

beforeEach(() => useFakeClock())
afterEach(() => vi.useRealTimers())

function browser() {
  const harness = createTabHarness()
  const tab = (storage = createMemoryStorage()) =>
    createAuthClient({ refresh: refreshSpy(), ...harness.tab(), storage, wakeEvents: () => () => {} })
  return { harness, tab }
}

describe('ready() before anything started the client (a route loader in a new tab)', () => {
  it('gets the session of an open tab, and leaves no timer or channel behind', async () => {
    const { tab } = browser()
    const open = tab()
    open.start()
    open.login(loginPair())
    const fresh = tab()
    const state = await fresh.ready()
    expect(state).toMatchObject({ status: 'authenticated', accessToken: open.getSnapshot().accessToken })
    open.stop()
    expect(vi.getTimerCount()).toBe(0)
    const later = tab()
    later.start()
    later.login(loginPair({ sub: 'someone-else' })) // not heard: the unstarted tab closed its channel
    await vi.advanceTimersByTimeAsync(300)
    expect(fresh.getSnapshot().accessToken).toBe(state.accessToken)
    later.stop()
  })

  it('settles as signed out after handoffTimeout when no tab answers', async () => {
    const { tab } = browser()
    const alone = tab()
    const ready = alone.ready()
    await vi.advanceTimersByTimeAsync(300)
    expect(await ready).toMatchObject({ status: 'unauthenticated' })
    expect(vi.getTimerCount()).toBe(0)
  })

  it('is continued by start(): one question to the other tabs, not two', async () => {
    const { harness, tab } = browser()
    const fresh = tab()
    const posted = harness.messagesPosted
    const ready = fresh.ready()
    fresh.start()
    await vi.advanceTimersByTimeAsync(300)
    await ready
    expect(harness.messagesPosted - posted).toBe(1)
    fresh.stop()
  })

  it('makes getAccessToken() before start() wait for the open tab instead of answering null', async () => {
    const { tab } = browser()
    const open = tab()
    open.start()
    open.login(loginPair())
    expect(await tab().getAccessToken()).toBe(open.getSnapshot().accessToken)
  })
})

it('keeps a stored session whose refresh is failing: authenticated, token expired, error set', async () => {
  const storage = createMemoryStorage({ 'jwt-session': storedSession(loginPair({ sub: 'kim' }, 60).accessToken) })
  vi.setSystemTime(Date.now() + 120_000)
  const refresh = vi.fn(async () => Promise.reject(Object.assign(new Error('down'), { status: 503 })))
  const client = createAuthClient({ refresh, storage, channel: null, locks: null, wakeEvents: () => () => {} })
  const state = await client.ready()
  expect(state).toMatchObject({ status: 'authenticated', tokenExpired: true, claims: { sub: 'kim' }, error: { code: 'refresh_failed' } })
  expect(refresh).toHaveBeenCalledTimes(1)
})
