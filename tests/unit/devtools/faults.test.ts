import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, restRefresh, type AuthEvent, type TokenPair } from '../../../src/core'
import { expireAccessToken, goOffline, installFaults, mountAuthDevtools, openNewTab, sendParallel401s } from '../../../src/devtools'
import { createMemoryStorage, createTabHarness, createTestJwt } from '../../../src/testing'

const REFRESH_URL = 'http://localhost:3000/auth/refresh'
const pair = (): TokenPair => ({ accessToken: createTestJwt({ sub: 'alice' }, { expiresIn: 300 }), refreshToken: `rt-${Math.random()}` })
/** The app's own fetch: a refresh endpoint that always rotates, and an API that answers 200. */
const appFetch = vi.fn(async (input: RequestInfo | URL, _init?: RequestInit) =>
  String(input).endsWith('/auth/refresh') ? Response.json(pair()) : new Response('ok', { status: 200 }),
)

function client() {
  const auth = createAuthClient({
    refresh: restRefresh({ url: REFRESH_URL }),
    storage: createMemoryStorage(),
    channel: null,
    locks: null,
    timers: { setTimeout: () => 0, clearTimeout: () => {} },
    wakeEvents: () => () => {},
  })
  auth.start()
  auth.login(pair())
  return auth
}

beforeEach(() => vi.stubGlobal('fetch', appFetch))
afterEach(() => vi.unstubAllGlobals())

describe('installFaults', () => {
  it('answers the refresh endpoint with 503 while "down": the failure is transient and the session kept', async () => {
    const faults = installFaults({ url: '/auth/refresh' })
    const auth = client()
    faults.set('down')
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'refresh_failed', status: 503 })
    expect(auth.getSnapshot().status).toBe('authenticated')
    faults.set('none')
    expect((await fetch(REFRESH_URL, { method: 'POST' })).status).toBe(200)
    faults.uninstall()
    expect(globalThis.fetch).toBe(appFetch)
  })

  it('refuses the refresh token while "rejected": the client holds the session only until its token expires', async () => {
    const faults = installFaults({ url: /\/auth\/refresh$/ })
    const auth = client()
    faults.set('rejected')
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'refresh_rejected', status: 401 })
    expect(auth.getSnapshot().error).toMatchObject({ code: 'refresh_rejected' })
    faults.uninstall()
  })

  it('fails like a lost network while "offline", and leaves every other URL alone', async () => {
    const faults = installFaults({ url: '/auth/refresh' })
    const auth = client()
    faults.set('offline')
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'refresh_failed', cause: { name: 'TypeError' } })
    expect((await fetch('http://localhost:3000/api/me')).status).toBe(200)
    faults.uninstall()
  })

  it('refuses an unknown fault with a TypeError', () => {
    const faults = installFaults({ url: '/auth/refresh' })
    expect(() => faults.set('broken' as never)).toThrow(TypeError)
    faults.uninstall()
  })

  it('is a select in the panel when asked for, drawn as a red mark on the timeline, and gone with the panel', async () => {
    const auth = client()
    const host = document.createElement('div')
    document.body.append(host)
    const unmount = mountAuthDevtools(auth, host, { name: 'main', initialIsOpen: true, channel: null, faults: { url: '/auth/refresh' } })
    const select = host.querySelector('select')!
    expect(host.querySelector(`label[for="${select.id}"]`)?.textContent).toBe('Refresh endpoint (this tab) ')
    select.value = 'down'
    select.dispatchEvent(new Event('change'))
    await auth.refresh().catch(() => {})
    await Promise.resolve()
    const mark = host.querySelector('.jts-mark[data-type="refresh_failed"]')
    expect(mark?.getAttribute('aria-label')).toMatch(/^refresh failed 503 by main at /)
    unmount()
    host.remove()
    expect(globalThis.fetch).toBe(appFetch)
  })
})

describe('installFaults: the next refresh only', () => {
  it('answers only the next refresh request with the fault, then passes them on again', async () => {
    const faults = installFaults({ url: '/auth/refresh' })
    faults.next('down')
    expect((await fetch(REFRESH_URL, { method: 'POST' })).status).toBe(503)
    expect((await fetch(REFRESH_URL, { method: 'POST' })).status).toBe(200)
    faults.next('rejected')
    const refused = await fetch(REFRESH_URL, { method: 'POST' })
    expect([refused.status, await refused.json()]).toEqual([401, { error: 'invalid_grant' }])
    expect((await fetch(REFRESH_URL, { method: 'POST' })).status).toBe(200)
    expect(faults.fault).toBe('none')
    expect(() => faults.next('broken' as never)).toThrow(TypeError)
    faults.uninstall()
    expect(globalThis.fetch).toBe(appFetch)
  })
})

/** Three tabs of one browser (own storage, one channel and lock manager), each with its devtools open, on fake timers. */
function threeTabs() {
  const browser = createTabHarness()
  const tabs = ['t0', 't1', 't2'].map((name) => {
    const events: AuthEvent['type'][] = []
    const auth = createAuthClient({
      refresh: restRefresh({ url: REFRESH_URL }),
      wakeEvents: () => () => {},
      onEvent: (event) => events.push(event.type),
      ...browser.tab(),
    })
    auth.start()
    const host = document.createElement('div')
    document.body.append(host)
    const unmount = mountAuthDevtools(auth, host, { name, initialIsOpen: true })
    cleanups.push(() => (unmount(), host.remove(), auth.stop()))
    return { auth, host, events }
  })
  return tabs
}

const cleanups: (() => void)[] = []
afterEach(() => {
  cleanups.splice(0).forEach((cleanup) => cleanup())
  vi.useRealTimers()
})
const refreshesSent = () => appFetch.mock.calls.filter(([input]) => String(input).endsWith('/auth/refresh')).length
const labelsOf = (host: Element, type: string) =>
  [...host.querySelectorAll(`.jts-mark[data-type="${type}"]`)].map((mark) => mark.getAttribute('aria-label'))

describe('expireAccessToken', () => {
  it('expires the token in every tab: exactly one refresh request across three tabs, drawn on every timeline', async () => {
    vi.useFakeTimers()
    const tabs = threeTabs()
    const login = pair()
    tabs[0]!.auth.login(login)
    await vi.advanceTimersByTimeAsync(1_500) // the others adopt the login; no refresh is due for minutes
    expect(tabs.map(({ auth }) => auth.getSnapshot().accessToken)).toEqual([login.accessToken, login.accessToken, login.accessToken])
    appFetch.mockClear()
    for (const { events } of tabs) events.length = 0

    expect(expireAccessToken(tabs[1]!.auth)).toBe(true)
    await vi.advanceTimersByTimeAsync(1_000)

    expect(refreshesSent()).toBe(1)
    const next = tabs[1]!.auth.getSnapshot().accessToken
    expect(next).not.toBe(login.accessToken)
    expect(tabs.map(({ auth }) => auth.getSnapshot().accessToken)).toEqual([next, next, next])
    for (const { host } of tabs) expect(labelsOf(host, 'refresh_succeeded')).toEqual([expect.stringMatching(/^refresh by t1 at /)])
    // The others expired their copy too (a refresh planned at once), and took t1's pair before sending theirs.
    for (const { events } of [tabs[0]!, tabs[2]!]) expect(events.slice(0, 2)).toEqual(['refresh_scheduled', 'session_adopted'])
  })

  it('is false, and sends nothing, without a session', async () => {
    appFetch.mockClear()
    const auth = createAuthClient({
      refresh: restRefresh({ url: REFRESH_URL }),
      storage: createMemoryStorage(),
      channel: null,
      locks: null,
    })
    expect(expireAccessToken(auth)).toBe(false)
    expect(refreshesSent()).toBe(0)
    expect(() => expireAccessToken({} as never)).toThrow(TypeError)
  })
})

describe('goOffline', () => {
  it('fails every request of this tab for N ms, then recovers: a refresh fails with backoff, then succeeds', async () => {
    vi.useFakeTimers()
    const events: AuthEvent[] = []
    const auth = createAuthClient({
      refresh: restRefresh({ url: REFRESH_URL }),
      storage: createMemoryStorage(),
      channel: null,
      locks: null,
      wakeEvents: () => () => {},
      onEvent: (event) => events.push(event),
    })
    auth.start()
    cleanups.push(() => auth.stop())
    auth.login(pair())
    goOffline(5_000)
    await expect(fetch('http://localhost:3000/api/me')).rejects.toThrow(TypeError)
    expireAccessToken(auth)
    await vi.advanceTimersByTimeAsync(4_000)
    const failed = events.filter((event) => event.type === 'refresh_failed')
    expect(failed.length).toBeGreaterThanOrEqual(2)
    expect(
      failed.every((event) => event.type === 'refresh_failed' && event.retryIn !== null && event.error.code === 'refresh_failed'),
    ).toBe(true)
    expect(events.some((event) => event.type === 'refresh_succeeded')).toBe(false)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(events.filter((event) => event.type === 'refresh_succeeded')).toHaveLength(1)
    expect(auth.getSnapshot()).toMatchObject({ status: 'authenticated', error: null })
    expect(globalThis.fetch).toBe(appFetch)
  })

  it('goes back online early when its return is called, and refuses a duration that is no positive number', async () => {
    const online = goOffline(60_000)
    await expect(fetch('http://localhost:3000/api/me')).rejects.toThrow('Failed to fetch')
    online()
    expect((await fetch('http://localhost:3000/api/me')).status).toBe(200)
    expect(globalThis.fetch).toBe(appFetch)
    expect(() => goOffline(-1)).toThrow(TypeError)
  })
})

describe('sendParallel401s', () => {
  it('sends N requests at once whose first answer is 401: one refresh, N replays, drawn as "401 ×N" and "replay ×N"', async () => {
    const auth = client()
    const host = document.createElement('div')
    document.body.append(host)
    const unmount = mountAuthDevtools(auth, host, { name: 'main', initialIsOpen: true, channel: null })
    cleanups.push(() => (unmount(), host.remove()))
    appFetch.mockClear()

    const statuses = await sendParallel401s(auth, { url: 'http://localhost:3000/api/me', count: 5 })
    await Promise.resolve()

    expect(statuses).toEqual([200, 200, 200, 200, 200])
    expect(refreshesSent()).toBe(1)
    // Only the replays reach the API, each with the refreshed token.
    const api = appFetch.mock.calls.filter(([input]) => String(input).endsWith('/api/me'))
    expect(api).toHaveLength(5)
    const token = auth.getSnapshot().accessToken
    for (const [, init] of api) expect(new Headers(init?.headers).get('authorization')).toBe(`Bearer ${token}`)
    expect(labelsOf(host, 'unauthorized')).toEqual([expect.stringMatching(/^401 ×5 by main at /)])
    expect(labelsOf(host, 'replayed')).toEqual([expect.stringMatching(/^replay ×5 by main at /)])
    expect(globalThis.fetch).toBe(appFetch)
  })

  it('refuses a count that is no whole number from 1 to 100 with a TypeError, sending nothing', async () => {
    const auth = client()
    appFetch.mockClear()
    await expect(sendParallel401s(auth, { url: '/api/me', count: 0 })).rejects.toThrow(TypeError)
    await expect(sendParallel401s(auth, { url: '/api/me', count: 1.5 })).rejects.toThrow(TypeError)
    expect(appFetch).not.toHaveBeenCalled()
  })
})

describe('openNewTab', () => {
  it('opens this page in a new tab without an opener, so it starts with no storage of its own and asks the others', () => {
    const open = vi.spyOn(window, 'open').mockReturnValue(null)
    openNewTab()
    expect(open).toHaveBeenCalledWith(location.href, '_blank', 'noopener')
  })
})

describe('the Faults section', () => {
  it('offers every scenario as a labelled control, and runs them from the keyboard', async () => {
    vi.useFakeTimers()
    const auth = createAuthClient({
      refresh: restRefresh({ url: REFRESH_URL }),
      storage: createMemoryStorage(),
      channel: null,
      locks: null,
    })
    auth.start()
    cleanups.push(() => auth.stop())
    auth.login(pair())
    const host = document.createElement('div')
    document.body.append(host)
    const unmount = mountAuthDevtools(auth, host, {
      name: 'main',
      initialIsOpen: true,
      channel: null,
      faults: { url: '/auth/refresh', api: 'http://localhost:3000/api/me' },
    })
    cleanups.push(() => (unmount(), host.remove()))
    const section = host.querySelector('section[aria-label="Faults"]')!
    const buttons = [...section.querySelectorAll('button')].map((button) => button.textContent)
    expect(buttons).toEqual([
      'Expire the access token now',
      'Fail the next refresh (503)',
      'Refuse the next refresh (401)',
      'Go offline',
      'Send requests that get 401',
      'Open a new tab',
    ])
    const labels = [...section.querySelectorAll('label')].map((label) => [
      label.textContent,
      section.querySelector(`#${label.htmlFor}`)?.tagName,
    ])
    expect(labels).toEqual([
      ['Refresh endpoint (this tab) ', 'SELECT'],
      ['Offline for (s) ', 'INPUT'],
      ['Parallel requests ', 'INPUT'],
    ])
    // Native controls only, none taken out of the tab order.
    expect([...section.querySelectorAll('[tabindex]')]).toEqual([])
    appFetch.mockClear()
    const button = (name: string) => [...section.querySelectorAll('button')].find((b) => b.textContent === name)!
    button('Expire the access token now').click()
    await vi.advanceTimersByTimeAsync(100)
    expect(labelsOf(host, 'refresh_succeeded')).toEqual([expect.stringMatching(/^refresh by main at /)])
    expect(refreshesSent()).toBe(1)
    expect(section.querySelector('[role="status"]')?.textContent).toBe('Access token expired in every tab with the devtools.')
  })
})
