// `npm run bench`: measures, then prints one table. Figures, not assertions: the exit code is
// non-zero only when a measurement itself crashed. Assumes `npm run build` ran (bundle sizes).
//   bundle size      size-limit with .size-limit.json: min+gzip with jwt-decode, peers external
//   re-renders       bench/reRenders.measure.tsx (Vitest, jsdom, fake timers, React Profiler)
//   leaks            bench/leaks.measure.tsx (1,000 mount/unmount cycles of <AuthProvider>)
//   fetch overhead   bench/fetchOverhead.bench.ts (vitest bench; its summary lines)
//   cross-tab        bench/crossTabLatency.mjs (real Chromium; "n/a" when it cannot run)
//   engines          bench/engines.mjs (Chromium, Firefox, WebKit; "n/a" for an engine that cannot run)
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { stripVTControlCharacters } from 'node:util'

const root = resolve(import.meta.dirname, '..')
process.chdir(root) // dist/ and .size-limit.json are found from the working directory
const started = performance.now()
// Children must not inherit NODE_ENV=production from a caller: production React has no act() and
// its Profiler reports nothing.
const childEnv = { ...process.env, NODE_ENV: undefined, NO_COLOR: '1' }
const rows = []
let crashed = 0

const met = (ok) => (ok === null ? '' : ok ? 'yes' : 'NO')
// size-limit's units: 1 kB = 1000 B.
const bytes = (n) => `${n} B (${(n / 1000).toFixed(2)} kB)`
const add = (measurement, value, target = '', ok = null) => rows.push({ measurement, value, target, met: met(ok) })

await phase('bundle size', bundleSizes)
await phase('re-renders and leaks', reactMeasures)
await phase('fetch overhead', fetchOverhead)
await phase('cross-tab latency', crossTab)
await phase('engines', engines)
printTable()
console.log(`\nmeasured in ${((performance.now() - started) / 1000).toFixed(0)} s${crashed ? `; ${crashed} measurement(s) crashed` : ''}`)
process.exit(crashed ? 1 : 0)

async function phase(name, run) {
  const start = performance.now()
  process.stderr.write(`measuring ${name}… `)
  try {
    await run()
  } catch (error) {
    crashed++
    add(`${name}: CRASHED`, String(error?.message ?? error).split('\n')[0])
  }
  process.stderr.write(`${((performance.now() - start) / 1000).toFixed(1)} s\n`)
}

// The rows and their budgets are .size-limit.json's (the same check `npm test` runs): size-limit
// measures, this only prints. A row over its budget shows "NO" here and fails `npm run size`.
async function bundleSizes() {
  if (!existsSync('dist/index.mjs')) throw new Error('no dist/: run `npm run build` first')
  const { stdout, stderr } = await run(join(root, 'node_modules/.bin/size-limit'), ['--json'], 120_000)
  let checks
  try {
    checks = JSON.parse(stdout)
  } catch {
    throw new Error(`size-limit printed no JSON: ${firstError(stderr || stdout)}`)
  }
  for (const { name, size, sizeLimit } of checks) {
    const label = `size, min+gzip: ${name}`
    if (sizeLimit) add(label, bytes(size), `≤ ${bytes(sizeLimit)}`, size <= sizeLimit)
    else add(label, bytes(size))
  }
}

async function reactMeasures() {
  const { stdout, stderr, code } = await run('npx', ['vitest', 'run', '--config', 'bench/vitest.config.ts'], 120_000)
  const figures = Object.fromEntries(
    [...stdout.matchAll(/^BENCH (\{.*\})$/gm)].map(([, json]) => JSON.parse(json)).map((figure) => [figure.metric, figure]),
  )
  if (code !== 0 || !Object.keys(figures).length)
    throw new Error(`vitest exited ${code}: ${firstError(stdout + stderr)} (log: ${keepLog('react', stdout + stderr)})`)
  const value = (metric) => figures[metric] ?? { value: Number.NaN, detail: 'missing from the output' }
  const selector = value('rerenders.selector')
  const full = value('rerenders.full')
  add('re-renders per silent refresh: useAuth(s => s.claims?.sub)', `${selector.value} (${selector.detail})`, '0', selector.value === 0)
  add('re-renders per silent refresh: useAuth()', `${full.value} (${full.detail})`, '1', full.value === 1)
  for (const [metric, figure] of Object.entries(figures).filter(([metric]) => metric.startsWith('leaks.'))) {
    const [, kind, variant] = /^leaks\.(\w+)\.(.*)$/.exec(metric)
    add(
      `leak check, live ${kind} after 1,000 mount/unmount: ${variant}`,
      `${figure.value} (${figure.detail})`,
      '0 above baseline',
      figure.value === 0,
    )
  }
}

async function fetchOverhead() {
  const { stdout, stderr, code } = await run('npx', ['vitest', 'bench', '--run', 'bench/fetchOverhead.bench.ts'], 120_000)
  const text = stdout // colour codes already stripped by run()
  const ratio = /ratio ([\d.]+)× \(target ≤ ([\d.]+)×\), overhead ([\d.]+) µs\/request/.exec(text)
  const perRequest = /plain fetch \+ hand-set Bearer ([\d.]+) µs\/request, client\.fetch ([\d.]+) µs\/request/.exec(text)
  const storm = /50 concurrent 401s: (\d+) refresh request\(s\) \(target (\d+)\), (\d+)\/50 replays succeeded/.exec(text)
  if (code !== 0 || !ratio || !storm)
    throw new Error(`fetchOverhead.bench.ts exited ${code}: ${lastLine(stderr || text)} (log: ${keepLog('fetch', stdout + stderr)})`)
  const timing = perRequest ? `; ${perRequest[2]} vs ${perRequest[1]} µs/request` : ''
  add(
    'client.fetch / plain fetch with hand-set Bearer',
    `${ratio[1]}× (+${ratio[3]} µs/request${timing})`,
    `≤ ${ratio[2]}×`,
    Number(ratio[1]) <= Number(ratio[2]),
  )
  add('50 concurrent 401s → refresh requests', `${storm[1]} (${storm[3]}/50 replays succeeded)`, storm[2], storm[1] === storm[2])
}

async function crossTab() {
  const script = 'bench/crossTabLatency.mjs'
  const names = [
    'handoff: client.start() → session_adopted',
    'logout: logout() → last of 5 tabs logged_out',
    'first paint, new tab: script start → session known (auth.ready() at module load)',
    'signed-out start, no tab signed in: script start → unauthenticated (auth.ready() at module load)',
    'cookie cold start, 5 tabs opened together: navigation → authenticated',
    'cookie cold start, 5 tabs opened together: refresh requests (count, not ms)',
  ]
  const unavailable = (reason) => names.forEach((name) => add(`cross-tab median, Chromium: ${name}`, `n/a (${reason})`))
  if (!existsSync(script)) return unavailable(`${script} not found`)
  const { stdout, stderr, code, timedOut } = await run(process.execPath, [script, '--tries', '20'], 300_000)
  if (timedOut) return unavailable('timed out after 300 s')
  if (code !== 0) return unavailable(`exit ${code}: ${firstError(stderr || stdout)}`)
  const found = [...stdout.matchAll(/^(\S.*?)\s+([\d.]+|NaN)\s+([\d.]+|NaN)\s+(\d+)\s+(?:≤ ([\d.]+)|-)$/gm)]
  if (!found.length) return unavailable(`no figures in its output: ${lastLine(stdout)}`)
  for (const [, name, median, p90, n, target] of found) {
    const ok = target && median !== 'NaN' ? Number(median) <= Number(target) : null
    add(`cross-tab median, Chromium: ${name.trim()}`, `${median} ms (p90 ${p90} ms, n=${n})`, target ? `≤ ${target} ms` : '', ok)
  }
}

async function engines() {
  const names = ['handoff', 'logout', 'signed-out start']
  const { stdout, stderr, code, timedOut } = await run(process.execPath, ['bench/engines.mjs', '--tries', '20'], 400_000)
  const label = (name) => `cross-tab median, ${name}`
  if (timedOut || code !== 0) {
    const reason = timedOut ? 'timed out after 400 s' : `exit ${code}: ${firstError(stderr || stdout)}`
    return names.forEach((name) => add(label(`every engine: ${name}`), `n/a (${reason})`))
  }
  for (const [, engine, reason] of stdout.matchAll(/^(\w+): unavailable: (.*)$/gm)) add(label(`${engine}: every figure`), `n/a (${reason})`)
  for (const [, name, median, p90, n] of stdout.matchAll(/^(\w+: .*?)\s+([\d.]+|NaN)\s+([\d.]+|NaN)\s+(\d+)\s+-$/gm))
    add(label(name.trim()), `${median} ms (p90 ${p90} ms, n=${n})`)
}

function printTable() {
  const columns = ['measurement', 'value', 'target', 'met']
  const width = Object.fromEntries(columns.map((c) => [c, Math.max(c.length, ...rows.map((r) => String(r[c]).length))]))
  const line = (r) =>
    columns
      .map((c) => String(r[c]).padEnd(width[c]))
      .join(' | ')
      .trimEnd()
  console.log(line(Object.fromEntries(columns.map((c) => [c, c]))))
  console.log(columns.map((c) => '-'.repeat(width[c])).join('-|-'))
  for (const r of rows) console.log(line(r))
}

function run(command, args, timeout) {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGTERM')
    }, timeout)
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => {
      clearTimeout(timer)
      done({ stdout: plain(stdout), stderr: plain(stderr), code, timedOut })
    })
  })
}

/** Writes a failed run's whole output to a temp file and returns its path. */
function keepLog(name, text) {
  const path = join(tmpdir(), `bench-${name}-${process.pid}.log`)
  writeFileSync(path, text)
  return path
}

function plain(text) {
  return stripVTControlCharacters(text)
}

/** The line that names the failure: `SomeError: …` (not a stack line quoting code), else a Vitest FAIL line. */
function firstError(text) {
  const lines = text.split('\n').map((line) => line.trim())
  const found = lines.find((line) => /^(\w*Error)\b[^(]*:/.test(line)) ?? lines.find((line) => /^FAIL\b/.test(line))
  return found?.slice(0, 200) ?? lastLine(text)
}

function lastLine(text) {
  return text.trim().split('\n').filter(Boolean).at(-1)?.slice(0, 200) ?? 'no output'
}
