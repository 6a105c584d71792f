// @vitest-environment node
// The Playwright fixtures of docs/testing.md under @playwright/test itself (`playwright test` in a
// child process, headless Debian Chromium, one worker), against the React Router recipe bundled
// from its main.tsx and served with the reference server on 127.0.0.1.
import { spawn } from 'node:child_process'
import type { RequestListener } from 'node:http'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { serveHandler, type ServedHandler } from 'jwt-tab-session/testing/node'
import { createAuthServer } from 'jwt-tab-session/testing/server'
import { bundleScript } from '../../../tests/support/bundle'
import { afterAll, beforeAll, expect, it } from 'vitest'

const RUN_TIMEOUT = 120_000 // the whole `playwright test` run, browser start included, on a busy machine
const recipes = fileURLToPath(new URL('..', import.meta.url))
const src = fileURLToPath(new URL('../../../src/', import.meta.url))
let app: ServedHandler | undefined

/** The app's main.tsx as one script, `jwt-tab-session` taken from the source. */
async function bundle(main: string): Promise<string> {
  const alias = [{ find: /^jwt-tab-session$/, replacement: `${src}index.ts` }]
  return (await bundleScript(recipes, `${recipes}${main}`, { alias })).entry
}

/** The app's page at every path the reference server does not own (the router reads the URL). */
function appFiles(script: string): RequestListener {
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/app.js"></script></head>' +
    '<body><div id="root"></div></body></html>'
  return (req, res) => {
    const isScript = new URL(req.url ?? '/', 'http://app.invalid').pathname === '/app.js'
    res.writeHead(200, { 'content-type': isScript ? 'text/javascript' : 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    res.end(isScript ? script : html)
  }
}

beforeAll(async () => {
  const server = createAuthServer({ passwordIterations: 1000 })
  app = await serveHandler(server.handler, { fallback: appFiles(await bundle('react-router/main.tsx')) })
}, 60_000)
afterAll(() => app?.close())

interface PlaywrightTest {
  projectName: string
  status: string
  results: { error?: { message?: string } }[]
}
interface PlaywrightSuite {
  suites?: PlaywrightSuite[]
  specs?: { title: string; tests: PlaywrightTest[] }[]
}
interface PlaywrightReport extends PlaywrightSuite {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number }
  errors: { message?: string }[]
}

/** `playwright test` with this folder's config, as a child process: the server stays in this one. */
function playwrightTest(baseUrl: string): Promise<{ code: number | null; report: PlaywrightReport | null; output: string }> {
  const cli = createRequire(import.meta.url).resolve('@playwright/test/cli')
  const config = fileURLToPath(new URL('playwright.config.ts', import.meta.url))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'test', '--config', config, '--reporter=json'], {
      env: { ...process.env, RECIPE_APP_URL: baseUrl, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: a timeout ends the runner and its browser together
    })
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), RUN_TIMEOUT)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      let report: PlaywrightReport | null = null
      try {
        report = JSON.parse(stdout) as PlaywrightReport
      } catch {
        // not JSON (killed, or the config failed to load): the output says why
      }
      resolve({ code, report, output: `${stdout}\n${stderr}` })
    })
  })
}

/** Every test that did not pass, with its first error line, to read in a failed assertion. */
function failures(report: PlaywrightReport): string[] {
  const found = report.errors.map((error) => `(run) ${error.message?.split('\n')[0]}`)
  const walk = (suite: PlaywrightSuite) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        if (test.status !== 'expected') found.push(`${spec.title}: ${test.results.at(-1)?.error?.message?.split('\n')[0]}`)
      }
    }
    for (const child of suite.suites ?? []) walk(child)
  }
  walk(report)
  return found
}

it(
  'passes every test of both fixtures under @playwright/test, signed in on a guarded page',
  async () => {
    const { code, report, output } = await playwrightTest(app!.url)
    expect(report, output).not.toBeNull()
    expect(failures(report!)).toEqual([])
    expect(report!.stats).toMatchObject({ expected: 3, unexpected: 0, flaky: 0, skipped: 0 }) // 1 seeded + 2 worker-fixture tests
    expect(code).toBe(0)
  },
  RUN_TIMEOUT + 10_000,
)
