// @vitest-environment node
// checkServer against the reference server over HTTP: each rule the server breaks on purpose
// (`violations`, or `refreshGraceWindow: 0`) is found, and that rule alone fails; the correct
// server passes. The checker runs on the real clock: these are short runs against a real socket.
import { afterEach, describe, expect, it } from 'vitest'
import { checkServer, type CheckServerResult } from '../../../src/testing/index'
import type { AuthServerOptions } from '../../../src/testing/server/index'
import type { RuleId } from '../../../src/testing/index'
import { APP_ORIGIN, configFor, serveReference, type ServedReference } from './referenceServer'

/** Cookie mode, DPoP with nonces and CORS: the configuration in which every rule can be checked. */
const FULL: AuthServerOptions = { dpop: true, dpopNonce: true, corsOrigins: [APP_ORIGIN] }
const FULL_CHECK: Parameters<typeof configFor>[1] = { cookie: true, dpop: true, app: true }

let served: ServedReference | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

async function run(options: AuthServerOptions, check = FULL_CHECK): Promise<{ result: CheckServerResult; secrets: string[] }> {
  served = await serveReference(options)
  const result = await checkServer(configFor(served.url, check))
  return { result, secrets: served.secrets() }
}

const statusOf = (result: CheckServerResult) => Object.fromEntries(result.results.map((r) => [r.rule, r.status]))

/** No token, cookie value or proof in any line or detail. */
function expectNoSecrets(result: CheckServerResult, secrets: string[]): void {
  expect(secrets.length).toBeGreaterThan(5)
  const text = JSON.stringify(result)
  for (const secret of secrets) expect(text.includes(secret), 'a secret reached the output').toBe(false)
}

describe('checkServer on the correct reference server', { timeout: 30_000 }, () => {
  it('passes every rule in cookie mode with DPoP, nonces and CORS', async () => {
    const { result, secrets } = await run(FULL)
    expect(result.results.filter((r) => r.status !== 'pass')).toEqual([])
    expect(result.ok).toBe(true)
    expect(result.results).toHaveLength(12)
    expect(result.durationMs).toBeLessThan(30_000)
    expectNoSecrets(result, secrets)
  })

  it('fails nothing in body mode, and says why CSRF, CORS and DPoP could not be checked', async () => {
    const { result, secrets } = await run({}, {})
    expect(statusOf(result)).toEqual({
      rotation: 'pass',
      'reuse-detection': 'pass',
      'grace-retry': 'pass',
      'refusal-status': 'pass',
      'session-cookies': 'pass',
      csrf: 'could not check',
      'session-lifetime': 'pass',
      'no-store': 'pass',
      clock: 'pass',
      cors: 'could not check',
      dpop: 'could not check',
      logout: 'pass',
    })
    expect(result.results.find((r) => r.rule === 'csrf')?.detail).toContain('body mode')
    expectNoSecrets(result, secrets)
  })
})

const BROKEN: Array<[RuleId, AuthServerOptions]> = [
  ['rotation', { violations: ['no-rotation'] }],
  ['reuse-detection', { violations: ['no-reuse-detection'] }],
  ['grace-retry', { refreshGraceWindow: 0 }],
  ['refusal-status', { violations: ['server-error-on-refusal'] }],
  ['session-cookies', { violations: ['readable-cookies'] }],
  ['csrf', { violations: ['no-csrf-guard'] }],
  ['session-lifetime', { violations: ['sliding-session'] }],
  ['no-store', { violations: ['cacheable-tokens'] }],
  ['clock', { violations: ['clock-skew'] }],
  ['cors', { violations: ['cors-any-origin'] }],
  ['dpop', { violations: ['dpop-replay'] }],
  ['logout', { violations: ['logout-keeps-session'] }],
]

describe('checkServer finds each rule the reference server breaks', { timeout: 30_000 }, () => {
  it.each(BROKEN)('fails %s alone', async (rule, options) => {
    const { result, secrets } = await run({ ...FULL, ...options })
    const failed = result.results.filter((r) => r.status === 'fail')
    expect(failed.map((r) => r.rule)).toEqual([rule])
    expect(failed[0]!.impact).toBeTruthy()
    expect(result.ok).toBe(false)
    const line = result.lines.find((l) => l.startsWith('FAIL'))!
    expect(line).toContain(`${rule} `)
    expect(line).toContain('Users: ')
    expectNoSecrets(result, secrets)
  })
})
