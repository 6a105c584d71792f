import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, restRefresh, type TokenPair } from '../../../src/core'
import { installFaults, mountAuthDevtools } from '../../../src/devtools'
import { createMemoryStorage, createTestJwt } from '../../../src/testing'

const REFRESH_URL = 'http://localhost:3000/auth/refresh'
const pair = (): TokenPair => ({ accessToken: createTestJwt({ sub: 'alice' }, { expiresIn: 300 }), refreshToken: `rt-${Math.random()}` })
/** The app's own fetch: a refresh endpoint that always rotates, and an API that answers 200. */
const appFetch = vi.fn(async (input: RequestInfo | URL) =>
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
