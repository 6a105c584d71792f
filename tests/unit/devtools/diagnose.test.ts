import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthError, createAuthClient, type AuthClient, type AuthClientOptions, type TokenPair } from '../../../src/core'
import { connectAuthDevtools, diagnose, MAX_REPORT_BYTES } from '../../../src/devtools'
import { VERSION } from '../../../src/devtools/version'
import { createBus, quietOptions } from './harness'

const base64url = (text: string) => Buffer.from(text).toString('base64url')
const T0 = Date.UTC(2026, 0, 1, 12)

/** A JWT with the given claims and a random signature: every part of it is a secret to look for. */
function jwt(claims: Record<string, unknown>, signature: string): string {
  return `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}.${signature}`
}

/** A client on its own with nothing scheduled: the test drives every refresh. */
function quietClient(refresh: AuthClientOptions['refresh'], extra: Partial<AuthClientOptions> = {}) {
  let now = T0
  const client = createAuthClient({ refresh, ...quietOptions(() => now), ...extra })
  return { client, tick: (ms: number) => (now += ms) }
}

const stops: (() => void)[] = []
afterEach(() => stops.splice(0).forEach((stop) => stop()))

function connected(client: AuthClient) {
  client.start()
  stops.push(() => client.stop(), connectAuthDevtools(client, { channel: null, name: 'here' }))
}

const secret = fc
  .base64String({ minLength: 24, maxLength: 64 })
  .map((text) => text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'))
const claimValue = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean())

/** What a refresh does in one step: rotate, fail for a passing reason, or be refused; errors may quote the token. */
const outcome = fc.oneof(
  fc.record({
    kind: fc.constant('rotate' as const),
    signature: secret,
    refreshToken: secret,
    extra: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), claimValue, { maxKeys: 4 }),
  }),
  fc.record({ kind: fc.constant('foreign' as const), status: fc.option(fc.constantFrom(500, 502, 429, 401, 400), { nil: undefined }) }),
  fc.record({ kind: fc.constant('authError' as const), code: fc.constantFrom('refresh_failed' as const, 'refresh_rejected' as const) }),
  fc.record({ kind: fc.constant('codeIsToken' as const) }),
)

describe('diagnose', () => {
  it('names the library version of package.json', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
    expect(VERSION).toBe(version)
    const { client } = quietClient(async () => ({ accessToken: '' }))
    expect(diagnose(client).library).toEqual({ name: 'jwt-tab-session', version })
  })

  it('reports options by name, functions by their name, and the defaults in effect', () => {
    async function refreshWithApi(): Promise<TokenPair> {
      throw new Error('unused')
    }
    const { client } = quietClient(refreshWithApi, { refreshLeadTime: 30_000, allowedOrigins: ['https://api.example'] })
    const { options, capabilities } = diagnose(client)
    expect(options).toMatchObject({
      refresh: 'function refreshWithApi',
      refreshLeadTime: 30_000,
      refreshTimeout: 15_000,
      handoffTimeout: 300,
      storageKey: 'jwt-session',
      channel: null,
      allowedOrigins: ['https://api.example'],
      storage: 'object',
    })
    expect(Object.keys(capabilities).sort()).toEqual([
      'broadcastChannel',
      'indexedDB',
      'sessionStorage',
      'visibility',
      'webCrypto',
      'webLocks',
    ])
  })

  it('lists the transitions with their causes and times, and the failures with their codes', async () => {
    let calls = 0
    const { client, tick } = quietClient(async () => {
      if (++calls === 1) throw Object.assign(new Error('down'), { status: 503 })
      return { accessToken: jwt({ sub: 'u', iat: T0 / 1000, exp: T0 / 1000 + 900 }, 'sig2'), refreshToken: 'rt-2' }
    })
    connected(client)
    client.login({ accessToken: jwt({ sub: 'u', iat: T0 / 1000, exp: T0 / 1000 + 900 }, 'sig1'), refreshToken: 'rt-1' })
    tick(1000)
    await client.refresh().catch(() => {})
    tick(1000)
    await client.refresh()
    const report = diagnose(client)
    expect(report.transitions.map(({ cause, at }) => [cause, at])).toEqual([
      ['logged_in', T0],
      ['refresh_succeeded', T0 + 2000],
    ])
    expect(report.failures).toEqual([
      { tab: report.tabs[0]!.id, at: T0 + 1000, type: 'refresh_failed', code: 'refresh_failed', status: 503 },
    ])
    expect(report.tabs).toEqual([{ id: expect.any(String), name: 'here', visible: true, holdsSession: true, self: true }])
  })

  it('stays under 16 KB with the newest transitions of each tab when four tabs refreshed hundreds of times', async () => {
    const bus = createBus()
    const tabs = [0, 1, 2, 3].map((n) => {
      let gen = 0
      const tab = quietClient(async () => ({
        accessToken: jwt({ sub: 'u', exp: T0 / 1000 + 9e5, n: ++gen }, `s${n}-${gen}`),
        refreshToken: `rt-${n}-${gen}`,
      }))
      tab.client.start()
      stops.push(() => tab.client.stop(), connectAuthDevtools(tab.client, { channel: bus, name: `tab ${n}` }))
      tab.client.login({ accessToken: jwt({ sub: 'u', exp: T0 / 1000 + 9e5 }, `s${n}`), refreshToken: `rt-${n}` })
      return tab
    })
    for (let i = 0; i < 100; i++) {
      for (const { client, tick } of tabs) {
        tick(10)
        await client.refresh()
      }
    }
    await Promise.resolve()
    const report = diagnose(tabs[0]!.client, { transitions: 1000 })
    expect(new TextEncoder().encode(JSON.stringify(report)).length).toBeLessThanOrEqual(MAX_REPORT_BYTES)
    expect(report.truncated).toBe(true)
    expect(report.tabs.map(({ name }) => name).sort()).toEqual(['tab 0', 'tab 1', 'tab 2', 'tab 3'])
    for (const { id } of report.tabs) {
      const own = report.transitions.filter(({ tab }) => tab === id)
      expect(own.length).toBeGreaterThan(5)
      expect(own.at(-1)).toMatchObject({ cause: 'refresh_succeeded', session: { gen: 100 } })
    }
  })

  it('never holds a token, a refresh token or a piece of one in 10,000 reports of random sessions and errors', async () => {
    const WINDOW = 12
    await fc.assert(
      fc.asyncProperty(secret, secret, fc.array(outcome, { maxLength: 6 }), async (loginSignature, loginRefresh, steps) => {
        const secrets: string[] = []
        const issue = (signature: string, refreshToken: string, extra: Record<string, unknown> = {}): TokenPair => {
          const accessToken = jwt({ ...extra, sub: 'user', iat: T0 / 1000, exp: T0 / 1000 + 600, jti: signature.slice(0, 8) }, signature)
          // The JWT header is the same in every token and says nothing; its claims and signature are the secret.
          secrets.push(accessToken.slice(accessToken.indexOf('.') + 1), refreshToken)
          return { accessToken, refreshToken }
        }
        let step = 0
        const { client, tick } = quietClient(async ({ refreshToken, accessToken }) => {
          const next = steps[step++]!
          const quoted = `refresh ${refreshToken} failed for ${accessToken}`
          if (next.kind === 'rotate') return issue(next.signature, next.refreshToken, next.extra)
          if (next.kind === 'foreign') throw Object.assign(new Error(quoted), { status: next.status, code: refreshToken, body: quoted })
          if (next.kind === 'authError') throw new AuthError(next.code, quoted, { cause: new Error(quoted) })
          throw Object.assign(new TypeError(quoted), { code: refreshToken })
        })
        connected(client)
        client.login(issue(loginSignature, loginRefresh))
        for (let i = 0; i < steps.length; i++) {
          tick(1000)
          await client.refresh().catch(() => {})
        }
        const json = JSON.stringify(diagnose(client))
        const windows = new Set<string>()
        for (let i = 0; i + WINDOW <= json.length; i++) windows.add(json.slice(i, i + WINDOW))
        for (const token of secrets) {
          for (let i = 0; i + WINDOW <= token.length; i++) {
            const piece = token.slice(i, i + WINDOW)
            if (windows.has(piece)) throw new Error(`report holds ${piece}`)
          }
        }
        stops.splice(0).forEach((stop) => stop())
      }),
      { numRuns: 10_000 },
    )
  }, 120_000)
})
