// Cross-tab latency in each engine (Chromium, Firefox, WebKit), through the engines harness
// (tests/engines/harness.ts, loaded through Vite's module runner), against the reference server:
//   handoff          — a new tab beside a signed-in one: its script's start → session_adopted
//   logout           — one of three tabs logs out: logout() → the last of the three logged_out
//   signed-out start — a new tab, no tab signed in: its script's start → unauthenticated
// Times are the pages' own clocks (performance.timeOrigin + now), not the driver's round trips.
// Usage: node bench/engines.mjs [--tries 20] [--engines chromium,firefox,webkit]   (or ENGINES=…)
/* global window -- the evaluate callbacks run in the browser */
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { runnerImport } from 'vite'
import { logoutPropagation } from './logoutPropagation.mjs'

const { values } = parseArgs({ options: { tries: { type: 'string', default: '20' }, engines: { type: 'string' } } })
const TRIES = Math.max(1, Number(values.tries))
const WARMUP = 2
const TABS = 3

const load = async (path) =>
  (await runnerImport(fileURLToPath(new URL(path, import.meta.url)), { configFile: false, logLevel: 'silent' })).module
const { launchEngine, selectedEngines } = await load('../tests/engines/browsers.ts')
const { bundleEnginePage, startServer, median, percentile } = {
  ...(await load('../tests/engines/harness.ts')),
  ...(await load('../tests/e2e/waits.ts')),
}

const engines = selectedEngines(values.engines ? { ENGINES: values.engines } : process.env)
const assets = await bundleEnginePage()
const rows = []
let failed = 0
for (const engine of engines) {
  let browser
  let h
  try {
    browser = await launchEngine(engine)
    h = await startServer({ engine, browser, assets, record: { tokens: new Set(), writes: [] } }, { accessTokenTtl: 600 })
    rows.push(await measureHandoff(engine, h), await measureLogout(engine, h), await measureSignedOutStart(engine, h))
  } catch (error) {
    failed++
    console.log(`${engine}: unavailable: ${String(error?.message ?? error).split('\n')[0]}`)
  } finally {
    await h?.close().catch(() => {})
    await browser?.close().catch(() => {})
  }
}
printTable(rows)
process.exit(failed === engines.length ? 1 : 0)

/** The first log entry of `type` (and `status`, for `state`) after the page's script started, in ms. */
function sinceScriptStart(tab, type, status) {
  return tab.evaluate(
    ([t, s]) => {
      const entry = window.e2e.log().find((e) => e.type === t && (s === null || e.status === s))
      return (entry?.t ?? Number.NaN) - window.e2e.scriptStartedAt
    },
    [type, status ?? null],
  )
}

async function measureHandoff(engine, h) {
  const { profile } = await h.loggedInTabs(1)
  const samples = []
  for (let i = 0; i < WARMUP + TRIES; i++) {
    const tab = await h.openTab(profile, `new${i}`)
    await h.waitForStatus(tab, 'authenticated')
    if (i >= WARMUP) samples.push(await sinceScriptStart(tab, 'session_adopted'))
    await tab.close()
  }
  await h.closeProfiles()
  return row(engine, 'handoff, new tab beside a signed-in one: script start → session known', samples)
}

async function measureLogout(engine, h) {
  const { tabs } = await h.loggedInTabs(TABS)
  const samples = await logoutPropagation(tabs, {
    tries: TRIES,
    warmup: WARMUP,
    waitForStatus: h.waitForStatus,
    waitForToken: h.waitForToken,
  })
  await h.closeProfiles()
  return row(engine, `logout: logout() → last of ${TABS} tabs logged_out`, samples)
}

async function measureSignedOutStart(engine, h) {
  const profile = await h.newProfile()
  const samples = []
  for (let i = 0; i < WARMUP + TRIES; i++) {
    const tab = await h.openTab(profile, `alone${i}`)
    await h.waitForStatus(tab, 'unauthenticated')
    if (i >= WARMUP) samples.push(await sinceScriptStart(tab, 'state', 'unauthenticated'))
    await tab.close()
  }
  await h.closeProfiles()
  return row(engine, 'signed-out start, no tab signed in: script start → unauthenticated', samples)
}

function row(engine, name, samples) {
  return { name: `${engine}: ${name}`, median: median(samples), p90: percentile(samples, 90), n: samples.length }
}

function printTable(rows) {
  const width = Math.max(6, ...rows.map((r) => r.name.length))
  const cell = (value) => value.toFixed(1).padStart(8)
  console.log(`${'metric'.padEnd(width)}  median ms   p90 ms    n  target ms`)
  for (const r of rows) console.log(`${r.name.padEnd(width)}  ${cell(r.median)} ${cell(r.p90)} ${String(r.n).padStart(4)}  -`)
  console.log(`(${TRIES} tries, ${WARMUP} warm-up tries not counted)`)
}
