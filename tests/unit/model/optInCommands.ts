// The commands that drive the opt-in parts (user input, extend, a laptop's sleep, a cold start
// from the refresh cookie, the Hasura role) and the invariants they add:
//  5. Limits. No running tab shows a session whose idle limit (from the last input in any tab)
//     or max age has passed, once it had time to notice: after settling, and right after a wake
//     from a sleep past a limit. Input after a limit passed must not keep the session.
//  6. Roles. Every request carries its tab's role, which its token allows; after settling, the
//     open tabs of one login agree on `state.role`.
//  7. Cold start. Tabs that open together with nothing stored send exactly one refresh between
//     them in cookie mode (none without it), and restore the session the refresh cookie names
//     when it is live.
import fc from 'fast-check'
import { allowedRoles, ROLES } from './optIn'
import type { Tab, World } from './world'

export type OptInCmd =
  /** User input in a tab (the session timeout's activity events). */
  | { k: 'activity'; tab: number }
  | { k: 'extend'; tab: number }
  /** The laptop sleeps `ms` (no timer runs, the clocks move on), then wakes: wake events, and input in a tab `inputAfter` ms later. */
  | { k: 'sleep'; ms: number; inputAfter: number; tab: number }
  /**
   * Every tab closes (`keepFrozen`: but frozen ones, pages discarded in the background); `after` ms
   * later `tabs` new tabs open together with nothing stored (the refresh cookie stays).
   */
  | { k: 'coldStart'; tabs: number; after: number; keepFrozen: boolean }
  | { k: 'setRole'; tab: number; role: 0 | 1 | 2 }

const tab = fc.nat({ max: 7 })

export const optInArbs: Array<fc.WeightedArbitrary<OptInCmd>> = [
  { weight: 3, arbitrary: fc.record({ k: fc.constant('activity' as const), tab }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('extend' as const), tab }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('sleep' as const),
      ms: fc.integer({ min: 600_000, max: 10_800_000 }),
      inputAfter: fc.integer({ min: 0, max: 3_000 }),
      tab,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('coldStart' as const),
      tabs: fc.integer({ min: 1, max: 3 }),
      after: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 60_000, max: 3_600_000 })),
      keepFrozen: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('setRole' as const), tab, role: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
  },
]

/** Tabs beyond this many (closed ones included) open no more by a cold start: each costs time. */
const MAX_COLD_TABS = 12
/** How long tabs opening together may take to learn the session (or that there is none). */
const COLD_START_BOUND = 10_000

const usable = (world: World) => world.tabs.filter((t) => !t.closed && t.started && !t.frozen)
const pick = (tabs: Tab[], index: number): Tab | null => (tabs.length === 0 ? null : tabs[index % tabs.length]!)

/** Runs one opt-in command; returns what it did, for the trace (null: nothing to do). */
export async function runOptIn(world: World, cmd: OptInCmd): Promise<string | null> {
  switch (cmd.k) {
    case 'activity':
    case 'extend': {
      const target = world.config.timeout ? pick(usable(world), cmd.tab) : null
      if (!target) return null
      return `${cmd.k === 'extend' ? 'extend()' : 'input'} in tab ${target.id}${input(world, target, cmd.k === 'extend')}`
    }
    case 'sleep':
      return sleep(world, cmd)
    case 'coldStart':
      return coldStart(world, cmd)
    case 'setRole':
      return setRole(world, cmd)
  }
}

/** Input in `target`, noted in the limits model first; says whether it may still count. */
function input(world: World, target: Tab, extend: boolean): string {
  const { status, claims } = target.client.getSnapshot()
  const counts = status === 'authenticated' ? world.limits.input(String(claims?.sid), extend) : null
  world.count(`${extend ? 'extend' : 'input'}: ${counts ?? 'signed out'}`)
  if (extend) target.client.extend()
  else target.input()
  return counts ? ` (${counts})` : ''
}

async function sleep(world: World, cmd: Extract<OptInCmd, { k: 'sleep' }>): Promise<string> {
  world.sleep(cmd.ms)
  // The page becomes visible again; a frozen one hears it when it thaws, a stopped one not at all.
  for (const t of usable(world)) t.wake('visible')
  await world.advance(cmd.inputAfter)
  const target = world.config.timeout ? pick(usable(world), cmd.tab) : null
  const did = target ? `; input in tab ${target.id}${input(world, target, false)}` : ''
  await world.advance(2_000)
  world.count(
    `sleep: ${usable(world).some((t) => t.client.getSnapshot().status === 'authenticated') ? 'signed in' : 'signed out'} after waking`,
  )
  checkLimits(world, usable(world), `after waking from a ${cmd.ms} ms sleep`)
  return `slept ${cmd.ms} ms, t=${world.vt}${did}`
}

async function coldStart(world: World, cmd: Extract<OptInCmd, { k: 'coldStart' }>): Promise<string | null> {
  if (world.tabs.length + cmd.tabs > MAX_COLD_TABS) return null
  for (const t of world.tabs) if (!(cmd.keepFrozen && t.frozen)) world.close(t)
  await world.advance(cmd.after)
  // What the browser's refresh cookie names now, if the server should still honour it.
  const cookie = world.refreshCookie()
  const named = cookie === undefined ? undefined : world.byRefresh.get(cookie)
  const injected = world.loseNext > 0 || world.failsPending > 0
  const live =
    world.config.cookie &&
    !injected &&
    named &&
    !named.successor &&
    !world.revokedSids.has(named.sid) &&
    !world.killedSids.has(named.sid) &&
    !world.limits.mayHaveEnded(named.sid)
  // A tab kept open (frozen) may still hold a refused cold start's answer, which the library keeps
  // 10 s (cookieRestore's REFUSAL_KEPT): without a live cookie, the new tabs may then ask nobody.
  const kept = world.tabs.length > 0
  const before = world.refreshRequests
  const fresh = Array.from({ length: cmd.tabs }, () => world.openTab())
  for (const t of fresh) world.start(t)
  const settled = () => fresh.every((t) => t.client.getSnapshot().status !== 'initializing')
  await world.advance(COLD_START_BOUND, settled)
  const sent = world.refreshRequests - before
  world.count(`cold start of ${cmd.tabs}: ${fresh[0]!.client.getSnapshot().status}${live ? ' (cookie live)' : ''}`)
  const want = !world.config.cookie ? [0] : !live && kept ? [0, 1] : [1]
  if (!want.includes(sent))
    world.violations.push(`inv7 ${cmd.tabs} tab(s) opening together with nothing stored sent ${sent} refreshes, not ${want.join(' or ')}`)
  const states = fresh.map((t) => t.client.getSnapshot())
  const shown = states.map(
    (s) => `tab ${fresh[states.indexOf(s)]!.id}: ${s.status}${s.claims ? ` ${String(s.claims.sid).slice(0, 6)}` : ''}`,
  )
  if (!settled()) world.violations.push(`inv7 a cold start still waits after ${COLD_START_BOUND} ms (${shown.join('; ')})`)
  if (live && !states.every((s) => s.status === 'authenticated' && s.claims?.sid === named.sid)) {
    world.violations.push(
      `inv7 the refresh cookie names live session ${named.sid.slice(0, 6)}, yet after a cold start: ${shown.join('; ')}`,
    )
  }
  // What the new tabs found is the one session now (the closed tabs can tell nobody anything).
  const first = states[0]!
  if (first.status === 'authenticated') {
    world.latest = { kind: 'login', sid: String(first.claims?.sid), sub: String(first.claims?.sub), told: new Set(fresh) }
  }
  return `all tabs${cmd.keepFrozen ? ' but frozen ones' : ''} closed; ${cmd.after} ms later ${cmd.tabs} new tab(s): ${shown.join('; ')}; ${sent} refresh(es)`
}

function setRole(world: World, cmd: Extract<OptInCmd, { k: 'setRole' }>): string | null {
  const target = world.config.role ? pick(usable(world), cmd.tab) : null
  const snapshot = target?.client.getSnapshot()
  if (!target || snapshot?.status !== 'authenticated') return null
  const role = ROLES[cmd.role]
  const allowed = role === null || allowedRoles(snapshot.claims).includes(role)
  try {
    target.client.setRole(role)
    if (!allowed) world.violations.push(`inv6 tab ${target.id} took role ${role}, which its token does not allow`)
    world.count(`setRole: ${role}`)
    return `tab ${target.id} role ${role}`
  } catch (error) {
    if (allowed) world.violations.push(`inv6 tab ${target.id} refused role ${role}, which its token allows: ${String(error)}`)
    return `tab ${target.id} role ${role} refused`
  }
}

/** Invariant 5: none of `tabs` shows a session whose limit every tab must have noticed by now. */
export function checkLimits(world: World, tabs: Tab[], when: string): void {
  for (const t of tabs) {
    const { status, claims } = t.client.getSnapshot()
    const sid = String(claims?.sid)
    const passed = status === 'authenticated' && world.limits.mustHaveEnded(sid)
    if (passed) world.violations.push(`inv5 ${when}, tab ${t.id} still shows session ${sid.slice(0, 6)}: its ${passed} passed`)
  }
}

/** Invariant 6 after settling: the open tabs of one login agree on the role, and their tokens allow it. */
export function checkRoles(world: World): void {
  if (!world.config.role) return
  const byLogin = new Map<string, string[]>()
  for (const t of world.tabs) {
    const { status, sessionId, role, claims } = t.client.getSnapshot()
    if (t.closed || status !== 'authenticated') continue
    if (role !== null && !allowedRoles(claims).includes(role))
      world.violations.push(`inv6 tab ${t.id} shows role ${role}, which its token does not allow`)
    byLogin.set(String(sessionId), [...(byLogin.get(String(sessionId)) ?? []), `tab ${t.id}: ${role}`])
  }
  for (const roles of byLogin.values()) {
    if (new Set(roles.map((r) => r.split(': ')[1])).size > 1)
      world.violations.push(`inv6 open tabs of one login disagree on the role: ${roles.join('; ')}`)
  }
}
