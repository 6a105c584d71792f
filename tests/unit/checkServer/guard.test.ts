// @vitest-environment node
// What keeps the checker safe to point at a real server: it sends nothing off the configured
// origin (a typed error before the first request), never more than its request bound, and no
// token it handles or is given reaches an error or a line.
import { afterEach, describe, expect, it } from 'vitest'
import { CheckServerError, checkServer, type CheckServerConfig } from '../../../src/testing/index'
import { MAX_REQUESTS } from '../../../src/testing/checkServer/index'
import { APP_ORIGIN, configFor, serveReference, type ServedReference } from './referenceServer'

let served: ServedReference | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

async function refusal(config: CheckServerConfig): Promise<CheckServerError> {
  const error = await checkServer(config).then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(CheckServerError)
  return error as CheckServerError
}

describe('the origin guard', { timeout: 30_000 }, () => {
  it.each([
    ['login.url', (c: CheckServerConfig) => ({ ...c, login: { ...c.login!, url: 'https://accounts.example/login' } })],
    ['refreshUrl', (c: CheckServerConfig) => ({ ...c, refreshUrl: 'https://api.example/auth/refresh' })],
    ['logoutUrl', (c: CheckServerConfig) => ({ ...c, logoutUrl: '//evil.example/logout' })],
    ['apiUrl', (c: CheckServerConfig) => ({ ...c, apiUrl: 'http://127.0.0.1:1/api/me' })],
  ])('refuses a %s on another origin with foreign_origin, before sending anything', async (name, change) => {
    served = await serveReference()
    const error = await refusal(change(configFor(served.url)))
    expect(error.code).toBe('foreign_origin')
    expect(error.message).toContain(name)
    expect(error.message).toContain(served.url)
    expect(served.requests()).toBe(0)
  })

  it('refuses plain http to another machine (insecure_origin), and a config that is not one (invalid_config)', async () => {
    expect((await refusal(configFor('http://auth.example'))).code).toBe('insecure_origin')
    expect((await refusal({ baseUrl: 'not a url', login: { body: {} } })).code).toBe('invalid_config')
    expect((await refusal({ baseUrl: 'http://localhost:1' })).code).toBe('invalid_config') // neither login nor tokens
    expect((await refusal({ ...configFor('http://localhost:1'), maxRequests: MAX_REQUESTS + 1 })).code).toBe('invalid_config')
  })

  it('quotes no token of a ready pair in its errors', async () => {
    const tokens = { accessToken: 'eyJhbGciOiJIUzI1NiJ9.secret-access.sig', refreshToken: 'secret-refresh-token-value' }
    const error = await refusal({ baseUrl: 'http://127.0.0.1:1', tokens, refreshUrl: 'https://elsewhere.example/r' })
    expect(error.message).not.toContain('secret')
  })
})

describe('the request bound', { timeout: 30_000 }, () => {
  it(`sends at most ${MAX_REQUESTS} requests in a full run, each counted by the server`, async () => {
    served = await serveReference({ dpop: true, dpopNonce: true, corsOrigins: [APP_ORIGIN] })
    const result = await checkServer(configFor(served.url, { cookie: true, dpop: true, app: true }))
    expect(result.requests).toBe(served.requests())
    expect(result.requests).toBeLessThanOrEqual(MAX_REQUESTS)
    expect(result.lines[0]).toContain(`At most ${MAX_REQUESTS} requests`)
  })

  it('stops at a lower bound, and what it had not reached could not be checked', async () => {
    served = await serveReference()
    const result = await checkServer({ ...configFor(served.url), maxRequests: 5 })
    expect(served.requests()).toBe(5)
    expect(result.requests).toBe(5)
    expect(result.results.filter((r) => r.status === 'fail')).toEqual([])
    const stopped = result.results.filter((r) => r.detail.includes('bound of 5 requests'))
    expect(stopped.map((r) => r.rule)).toEqual(expect.arrayContaining(['reuse-detection', 'grace-retry', 'refusal-status', 'logout']))
    expect(stopped.every((r) => r.status === 'could not check')).toBe(true)
  })
})

describe('a ready token pair', { timeout: 30_000 }, () => {
  it('checks one session with it, names no token, and says which rules need a login request', async () => {
    served = await serveReference()
    const login = await fetch(`${served.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
    })
    const { accessToken, refreshToken } = (await login.json()) as { accessToken: string; refreshToken: string }
    const cookies = Object.fromEntries(login.headers.getSetCookie().map((c) => c.split(';', 1)[0]!.split('=') as [string, string]))
    const result = await checkServer({ baseUrl: served.url, tokens: { accessToken, refreshToken, cookies } })
    const status = Object.fromEntries(result.results.map((r) => [r.rule, r.status]))
    expect(status).toMatchObject({
      rotation: 'pass',
      'session-cookies': 'pass',
      logout: 'pass',
      'grace-retry': 'could not check',
      'reuse-detection': 'could not check',
    })
    expect(result.results.find((r) => r.rule === 'grace-retry')?.detail).toContain('configure a login request')
    const text = JSON.stringify(result)
    for (const secret of [...served.secrets(), accessToken, refreshToken]) expect(text.includes(secret)).toBe(false)
  })
})
