// @vitest-environment node
// `jwt-tab-session check-server <base-url> --config <file>`: the notice first, one line per rule,
// a summary, and the exit code CI reads.
import { afterEach, describe, expect, it } from 'vitest'
import { runCli, type CliIo } from '../../../src/testing/checkServer/cli'
import { serveReference, type ServedReference } from './referenceServer'

let served: ServedReference | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

function io(files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const cli: CliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    readFile: async (path) => {
      if (!(path in files)) throw new Error(`ENOENT: ${path}`)
      return files[path]!
    },
    env,
  }
  return { cli, out, err }
}

const CONFIG = JSON.stringify({ login: { body: { username: 'alice', password: '$CHECK_PASSWORD', cookieMode: true } }, mode: 'cookie' })
const LINE = /^(pass|FAIL|could not check) +[a-z-]+ +\S.* — \S.*$/

describe('check-server', { timeout: 30_000 }, () => {
  it('prints the notice, one line per rule and a summary, reads $NAME from the environment, and exits 0', async () => {
    served = await serveReference()
    const { cli, out, err } = io({ 'check.json': CONFIG }, { CHECK_PASSWORD: 'alice-password' })
    const code = await runCli(['check-server', served.url, '--config', 'check.json'], cli)
    expect(err).toEqual([])
    expect(code).toBe(0)
    expect(out).toHaveLength(14)
    expect(out[0]).toMatch(/^Checking http:\/\/127\.0\.0\.1:\d+ as "alice"\. This revokes that account's refresh tokens/)
    for (const line of out.slice(1, 13)) expect(line).toMatch(LINE)
    expect(out.slice(1, 13).map((line) => line.split(/ +/)[line.startsWith('could') ? 3 : 1])).toEqual([
      'rotation',
      'reuse-detection',
      'grace-retry',
      'refusal-status',
      'session-cookies',
      'csrf',
      'session-lifetime',
      'no-store',
      'clock',
      'cors',
      'dpop',
      'logout',
    ])
    expect(out[13]).toMatch(/^10 passed, 0 failed, 2 could not be checked \(\d+ requests, \d+\.\d s\)$/)
    expect(out.join('\n')).not.toContain('alice-password')
    for (const secret of served.secrets()) expect(out.join('\n').includes(secret)).toBe(false)
  })

  it('exits 1 when a rule fails, with what users would see on its line', async () => {
    served = await serveReference({ violations: ['logout-keeps-session'] })
    const { cli, out } = io({ 'check.json': CONFIG }, { CHECK_PASSWORD: 'alice-password' })
    expect(await runCli(['check-server', served.url, '--config', 'check.json'], cli)).toBe(1)
    const failed = out.filter((line) => line.startsWith('FAIL'))
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatch(/^FAIL +logout +.* Users: signing out does not end the session/)
  })

  it('exits 2 with the error code for a usage or config error, sending nothing', async () => {
    served = await serveReference()
    const foreign = JSON.stringify({ login: { url: 'https://elsewhere.example/login', body: {} } })
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['check-server'], {}, /needs the base URL/],
      [['nonsense'], {}, /unknown command/],
      [['check-server', served.url, '--config', 'missing.json'], {}, /cannot read the config file missing\.json \[invalid_config\]/],
      [
        ['check-server', served.url, '--config', 'check.json'],
        { 'check.json': CONFIG },
        /\$CHECK_PASSWORD, which is not set \[invalid_config\]/,
      ],
      [
        ['check-server', served.url, '--config', 'foreign.json'],
        { 'foreign.json': foreign },
        /not on the base URL's origin.*\[foreign_origin\]/,
      ],
    ]
    for (const [args, files, message] of cases) {
      const { cli, err } = io(files)
      expect(await runCli(args, cli)).toBe(2)
      expect(err[0]).toMatch(message)
    }
    expect(served.requests()).toBe(0)
  })
})
