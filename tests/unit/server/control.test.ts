// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { createAuthServer, createBrowserFetch, type AuthServerOptions } from '../../../src/testing/server/index'

interface Pair {
  accessToken: string
  refreshToken: string
  expiresIn: number
}

function setup(options: AuthServerOptions = {}) {
  const server = createAuthServer({ passwordIterations: 1000, ...options })
  const browser = createBrowserFetch(server.handler)
  const post = (path: string, body?: unknown, init: RequestInit = {}) =>
    browser(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      ...init,
    })
  const login = async () => (await (await post('/auth/login', { username: 'alice', password: 'alice-password' })).json()) as Pair
  const refresh = (refreshToken: string, init?: RequestInit) => post('/auth/refresh', { refreshToken }, init)
  return { server, browser, post, login, refresh }
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  expect(check()).toBe(true)
}

describe('counters', () => {
  it('counts logins, refreshes and 401s, and resets to zero', async () => {
    const { server, post, login, refresh } = setup()
    const { refreshToken } = await login()
    await post('/auth/login', { username: 'alice', password: 'wrong' })
    await refresh(refreshToken)
    await refresh('unknown')
    expect(server.control.counters()).toEqual({ logins: 1, refreshes: 1, reuseEvents: 0, unauthorized: 2, revocations: 0 })
    server.control.resetCounters()
    expect(server.control.counters()).toEqual({ logins: 0, refreshes: 0, reuseEvents: 0, unauthorized: 0, revocations: 0 })
  })

  it('hands out a copy that later requests do not change', async () => {
    const { server, login } = setup()
    const before = server.control.counters()
    await login()
    expect(before.logins).toBe(0)
    expect(server.control.counters().logins).toBe(1)
  })
})

describe('failNextRefreshes', () => {
  it('answers the next refreshes with the injected 503 without consuming the token', async () => {
    const { server, login, refresh } = setup()
    const { refreshToken } = await login()
    server.control.failNextRefreshes(2, 503)
    for (let i = 0; i < 2; i++) {
      const failed = await refresh(refreshToken)
      expect(failed.status).toBe(503)
      expect(failed.headers.get('content-type')).toBe('application/json')
      expect(await failed.json()).toEqual({ error: 'injected_failure' })
    }
    expect((await refresh(refreshToken)).status).toBe(200)
    expect(server.control.counters()).toMatchObject({ refreshes: 1, reuseEvents: 0 })
  })

  it('can answer 200 with an HTML body (a captive portal or misrouted proxy)', async () => {
    const { server, login, refresh } = setup()
    const { refreshToken } = await login()
    server.control.failNextRefreshes(1, 200, '<html><body>Sign in to Wi-Fi</body></html>', 'text/html')
    const response = await refresh(refreshToken)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html')
    expect(await response.text()).toBe('<html><body>Sign in to Wi-Fi</body></html>')
    expect(server.control.counters().refreshes).toBe(0)
  })
})

describe('holdRefreshes', () => {
  it('stalls refreshes until released, then processes them', async () => {
    const { server, login, refresh } = setup()
    const { refreshToken } = await login()
    server.control.holdRefreshes()
    const pending = refresh(refreshToken)
    await until(() => server.control.pendingRefreshes() === 1)
    expect(server.control.counters().refreshes).toBe(0)
    server.control.releaseRefreshes()
    expect((await pending).status).toBe(200)
    expect(server.control.counters().refreshes).toBe(1)
  })

  it('never processes a held refresh whose client went away; the token then works exactly once', async () => {
    // Strict rotation, so a second use shows as 401 rather than as a replay of the first.
    const { server, login, refresh } = setup({ refreshGraceWindow: 0 })
    const { refreshToken } = await login()
    server.control.holdRefreshes()
    const controller = new AbortController()
    const pending = refresh(refreshToken, { signal: controller.signal })
    await until(() => server.control.pendingRefreshes() === 1)
    controller.abort()
    await until(() => server.control.pendingRefreshes() === 0)
    server.control.releaseRefreshes()
    expect((await pending).status).toBe(503)
    expect(server.control.counters()).toMatchObject({ refreshes: 0, reuseEvents: 0 })
    expect((await refresh(refreshToken)).status).toBe(200)
    expect((await refresh(refreshToken)).status).toBe(401)
  })
})

describe('holdLogouts', () => {
  it('stalls a logout until released; one whose client went away ends nothing', async () => {
    const { server, post, login, refresh } = setup()
    const { refreshToken } = await login()
    server.control.holdLogouts()
    const controller = new AbortController()
    const abandoned = post('/auth/logout', { refreshToken }, { signal: controller.signal }).catch(() => null)
    await until(() => server.control.pendingLogouts() === 1)
    controller.abort()
    await until(() => server.control.pendingLogouts() === 0)
    await abandoned
    // The page that closed mid-logout left its session alive on the server.
    const next = (await (await refresh(refreshToken)).json()) as Pair
    expect(server.control.counters().revocations).toBe(0)

    const waiting = post('/auth/logout', { refreshToken: next.refreshToken })
    await until(() => server.control.pendingLogouts() === 1)
    server.control.releaseLogouts()
    expect((await waiting).status).toBe(204)
    expect(server.control.counters().revocations).toBe(1)
    expect((await refresh(next.refreshToken)).status).toBe(401)
  })
})

describe('control over HTTP', () => {
  it('is not reachable unless exposeControl is on', async () => {
    const { browser, post } = setup()
    expect((await browser('/__control/counters')).status).toBe(404)
    expect((await post('/__control/clock-offset', { ms: 1 })).status).toBe(404)
  })

  it('serves counters, failures, hold/release, clock offset and reset as JSON', async () => {
    const { server, browser, post, login, refresh } = setup({ exposeControl: true })
    const { refreshToken } = await login()
    expect(await (await browser('/__control/counters')).json()).toEqual({
      logins: 1,
      refreshes: 0,
      reuseEvents: 0,
      unauthorized: 0,
      revocations: 0,
    })

    expect((await post('/__control/fail-refreshes', { count: 1, status: 503 })).status).toBe(200)
    expect((await refresh(refreshToken)).status).toBe(503)
    expect((await post('/__control/fail-refreshes', { count: 1, status: 42 })).status).toBe(400)

    await post('/__control/hold-refreshes')
    const held = refresh(refreshToken)
    await until(() => server.control.pendingRefreshes() === 1)
    expect(await (await browser('/__control/pending-refreshes')).json()).toEqual({ pending: 1 })
    await post('/__control/release-refreshes')
    const next = (await (await held).json()) as Pair

    await post('/__control/clock-offset', { ms: 901_000 })
    const me = await browser('/api/me', { headers: { authorization: `Bearer ${next.accessToken}` } })
    expect(me.status).toBe(401)

    await post('/__control/reset-counters')
    expect(server.control.counters()).toEqual({ logins: 0, refreshes: 0, reuseEvents: 0, unauthorized: 0, revocations: 0 })
  })
})
