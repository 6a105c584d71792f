// @vitest-environment node
//
// Model-based random test of the session-integrity promises: 2–5 tabs of one browser (one cookie
// jar, one channel hub, one lock manager) against one reference server with strict rotation and
// reuse detection, driven by random interleavings of logins, logouts, API calls, refreshes,
// tab stop/start/close/restore, frozen tabs, foreign lock holders, lost and unusable refresh
// answers, 5xx, and client/server clock jumps, on a virtual clock (see ./world.ts). Each run
// also picks the opt-in parts its clients have (./optIn.ts: session timeout, Hasura role, cookie
// mode with cold start, or none), driven by input, extend, sleep, cold start and role commands
// (./optInCommands.ts, which states invariants 5–7).
//
// Invariants, checked after every command and after a final settle phase:
//  1. Exactly-once refresh. No tab sends a refresh token while an open tab (itself included) is
//     sending it, nor one already rotated while an open tab holds the newer pair or a newer
//     login; and the server counts no reuse beyond the presentations the library could not
//     have avoided (all holders of the newer pair closed or stopped; a lost answer retried after
//     the grace window, or after a login the app posted replaced the fingerprint cookie; see
//     `World.present`). Why: reuse revokes the whole session (theft detection), and the server's
//     grace window hides a concurrent double spend, so the model counts presentations itself.
//  2. One session. After settling, all open tabs agree, and show the latest login's session
//     (or, when no open tab could have learnt of it, nothing), or are all signed out after the
//     latest logout. Why: the library shares one session across tabs; a stale tab or a stale
//     broadcast must never bring an older session or another user back.
//  3. No request under the wrong user: every request client.fetch sends carries a token of the
//     user the tab showed when the request was composed (replays included). Why: data of one
//     user must never be written or read under another's identity.
//  4. Liveness: every promise the API returned (logout, refresh, getAccessToken, fetch) settles
//     within SETTLE_BOUND of virtual time not spent frozen or asleep. Why: a UI awaiting it hangs forever.
//  5–7. Limits end sessions, roles agree, a cold start refreshes once: see ./optInCommands.ts.
//
// Runs: MODEL_RUNS (default 1000). Replay a failure: MODEL_SEED=<seed> MODEL_PATH=<path>.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { commandArb, run, type Cmd } from './commands'
import { configArb, describeConfig, type ModelConfig } from './optIn'
import { checkLimits, checkRoles } from './optInCommands'
import { World } from './world'

const RUNS = Number(process.env.MODEL_RUNS ?? 1_000)
const SEED = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED)
const PATH = process.env.MODEL_PATH
const MAX_COMMANDS = Number(process.env.MODEL_MAX_COMMANDS ?? 25)
/** MODEL_TALLY=1: run every case to the end and print how often each invariant broke, without failing. */
const TALLY = process.env.MODEL_TALLY === '1'
// MODEL_LOCK_LATENCY=1: Web Lock queries answer up to 30 ms late (world.ts).
/** MODEL_EVENTS=1: a violation's report ends with every tab's AuthEvents (for replaying one seed). */
const EVENTS = process.env.MODEL_EVENTS === '1'
const tally = new Map<string, { count: number; example: string }>()
const stats = new Map<string, number>()

class ModelViolation extends Error {
  override name = 'ModelViolation'
}

function check(world: World, trace: string[]): void {
  const reuse = world.server.control.counters().reuseEvents
  if (reuse > world.excused) world.violations.push(`inv1 the server saw ${reuse} refresh-token reuse(s); ${world.excused} excusable`)
  world.requests.checkOps()
  world.observe()
  if (world.violations.length > 0) {
    const events = world.eventLog ? ['', 'events:', ...world.eventLog] : []
    throw new ModelViolation([...world.violations, '', 'trace:', ...trace, ...world.notes.map((n) => `  note: ${n}`), ...events].join('\n'))
  }
}

/** Thaws and restarts every open tab, stops injecting failures, and lets time pass until all is done. */
async function settle(world: World, trace: string[]): Promise<void> {
  world.loseNext = 0
  for (const tab of world.tabs) world.thaw(tab)
  for (const tab of world.tabs) world.start(tab)
  // Long enough for backoff, foreign locks (≤ 60 s), a refresh rejected while its token is
  // still valid (until expiry), and tokens whose expiry the client clock jumps moved.
  const [low, high] = world.offsetRange
  const total = 150_000 + (high - low)
  for (let done = 0; done < total; done += 10_000) {
    await world.advance(10_000)
    check(world, trace)
  }
  trace.push(`settled at t=${world.vt}`)
  checkOneSession(world)
  checkLimits(
    world,
    world.tabs.filter((t) => !t.closed),
    'after settling',
  )
  checkRoles(world)
  check(world, trace)
}

/** Invariant 2. */
function checkOneSession(world: World): void {
  const live = world.tabs.filter((t) => !t.closed)
  const seen = live.map((tab) => {
    const { status, claims } = tab.client.getSnapshot()
    return { tab, status, sub: claims?.sub ?? null, sid: (claims?.sid as string | undefined) ?? null }
  })
  const show = (s: (typeof seen)[number]) => `tab ${s.tab.id}: ${s.status}${s.sub ? ` ${s.sub} ${String(s.sid).slice(0, 6)}` : ''}`
  const all = seen.map(show).join('; ')
  if (seen.some((s) => s.status === 'initializing')) world.violations.push(`inv2 a tab is still initializing after settling (${all})`)
  if (new Set(seen.map((s) => `${s.status}/${s.sub}/${s.sid}`)).size > 1) world.violations.push(`inv2 open tabs disagree: ${all}`)
  const latest = world.latest
  const signedOut = seen.every((s) => s.status === 'unauthenticated')
  if (latest.kind === 'none') {
    if (!signedOut) world.violations.push(`inv2 there was no login, yet: ${all}`)
    return
  }
  if (latest.kind === 'logout') {
    // A tab stopped during the logout keeps its stored session when no open tab remembers the
    // end of a session to tell it (none heard the logout, or those that did held none): nothing
    // can (and, if the revoke was lost with its tab, nothing should). The tabs then agree on it.
    const heard = live.some((t) => latest.remember.has(t))
    if (heard && !signedOut) world.violations.push(`inv2 the latest action was a logout, yet: ${all}`)
    return
  }
  const isLatest = (s: (typeof seen)[number]) => s.status === 'authenticated' && s.sid === latest.sid && s.sub === latest.sub
  // Signed out is right too when the latest session may have ended for a reason the library
  // cannot avoid (an excused reuse, an unusable refresh answer, the end of an earlier login it
  // cannot order before this one) or no open tab could know of it.
  const mayEnd = world.killedSids.has(latest.sid) || world.unorderable(latest.sid) || world.limits.mayHaveEnded(latest.sid) !== null
  const reachable = live.some((t) => latest.told.has(t) || t.sawSids.has(latest.sid))
  if (reachable && !mayEnd ? !seen.every(isLatest) : !seen.every((s) => isLatest(s) || s.status === 'unauthenticated')) {
    const why = mayEnd ? ' (it may have ended)' : reachable ? '' : ' (no open tab knew it)'
    world.violations.push(`inv2 the latest login is ${latest.sub} ${latest.sid.slice(0, 6)}${why}, yet: ${all}`)
  }
}

async function runModel(config: ModelConfig, tabCount: number, signedIn: boolean, seed: number, commands: Cmd[]): Promise<void> {
  // Half the runs begin with a login, so the commands that need a session (input, roles, a cold
  // start from a live cookie) meet one more often.
  const first: Cmd[] = signedIn ? [{ k: 'login', tab: 0, user: 0 }] : []
  try {
    await runWorld(config, tabCount, seed, [...first, ...commands])
  } catch (error) {
    if (!TALLY || !(error instanceof ModelViolation)) throw error
    const kind = /^(inv\d \S+ \S+|\S+)/.exec(error.message)![1]!
    const seen = tally.get(kind) ?? { count: 0, example: error.message }
    seen.count++
    if (error.message.length < seen.example.length) seen.example = error.message
    tally.set(kind, seen)
  }
}

async function runWorld(config: ModelConfig, tabCount: number, seed: number, commands: Cmd[]): Promise<void> {
  const world = new World(seed, config)
  if (EVENTS) world.eventLog = []
  try {
    await drive(world, tabCount, commands)
  } finally {
    if (TALLY) for (const [what, n] of world.stats) stats.set(what, (stats.get(what) ?? 0) + n)
  }
}

async function drive(world: World, tabCount: number, commands: Cmd[]): Promise<void> {
  const trace: string[] = [`${tabCount} tabs; ${describeConfig(world.config)}`]
  for (let i = 0; i < tabCount; i++) world.start(world.openTab())
  await world.advance(0)
  for (const [index, cmd] of commands.entries()) {
    world.step = index + 1
    const did = await run(world, cmd)
    await world.advance(0)
    trace.push(`${index + 1}. ${JSON.stringify(cmd)}${did ? ` → ${did}` : ' → (nothing to do)'}`)
    check(world, trace)
  }
  await settle(world, trace)
}

describe('session model', () => {
  it(
    `keeps one session, exactly-once refresh, right-user requests and settling promises (${RUNS} runs)`,
    async () => {
      const property = fc.asyncProperty(
        configArb,
        fc.integer({ min: 2, max: 5 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.array(commandArb, { maxLength: MAX_COMMANDS }),
        runModel,
      )
      const details = await fc.check(property, { numRuns: RUNS, ...(SEED !== undefined && { seed: SEED }), ...(PATH && { path: PATH }) })
      // The seed, the path, the shrunk commands and the violation with its trace, in one message.
      const report = details.failed
        ? `${fc.defaultReportMessage(details)}\n\n${String((details.errorInstance as Error)?.message ?? details.errorInstance)}`
        : ''
      if (details.failed) console.error(report)
      if (TALLY) console.warn([...stats].map(([what, n]) => `${what}: ${n}`).join('\n'))
      if (TALLY)
        for (const [kind, { count, example }] of tally) console.warn(`${count} × ${kind}\n  shortest: ${example.split('\n').join('\n  ')}`)
      expect(details.failed, report).toBe(false)
    },
    30 * 60_000,
  )
})
