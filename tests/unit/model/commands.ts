// The commands of the session model and how each one acts on the world. Tab numbers are indices
// into the tabs a command can apply to (modulo their count), so a command stays meaningful when
// fast-check shrinks the commands before it.
import fc from 'fast-check'
import { optInArbs, runOptIn, type OptInCmd } from './optInCommands'
import { ORIGIN, USERS, type Tab, type World } from './world'

export type Cmd =
  | { k: 'wait'; ms: number }
  /** Time passes until some tab sends a refresh, then `extra` ms more (the refresh is in flight or just done). */
  | { k: 'untilRefresh'; extra: number; then: 'none' | 'freeze' | 'stop' | 'close' }
  | { k: 'login'; tab: number; user: 0 | 1 }
  | { k: 'logout'; tab: number }
  /** client.fetch of a protected route; `revoked`: the server revoked the tab's access token first, so it answers 401. */
  | { k: 'api'; tab: number; revoked: boolean }
  | { k: 'getToken'; tab: number }
  | { k: 'refresh'; tab: number }
  | { k: 'stopStart'; tab: number }
  | { k: 'close'; tab: number }
  /** Reopens a closed tab (Ctrl+Shift+T): a new client over its storage as it was when it closed. */
  | { k: 'restore'; tab: number }
  | { k: 'newTab' }
  /** The next refresh reaches the server (which rotates) but its answer never arrives. */
  | { k: 'loseAnswer' }
  /** The next refresh gets an unusable 200 or a 5xx; the server rotates nothing. */
  | { k: 'badAnswer'; kind: 'html200' | 'json200' | '500' | '503' }
  /** Freezes a tab (or thaws a frozen one): its timers, messages, answers and lock grants wait; its locks stay held. */
  | { k: 'freeze'; tab: number }
  /** Code outside every tab holds the refresh lock for `ms`. */
  | { k: 'foreignLock'; ms: number }
  /** The client (browser) wall clock steps by `ms`; timers keep running on monotonic time. */
  | { k: 'clockJump'; ms: number }
  /** The server clock is `ms` ahead of virtual time from now on. */
  | { k: 'serverSkew'; ms: number }
  | OptInCmd

const tab = fc.nat({ max: 7 })

export const commandArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      k: fc.constant('wait' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1_000, max: 15_000 }), fc.integer({ min: 20_000, max: 45_000 })),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('untilRefresh' as const),
      extra: fc.integer({ min: 0, max: 300 }),
      then: fc.constantFrom('none' as const, 'none' as const, 'freeze' as const, 'stop' as const, 'close' as const),
    }),
  },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('login' as const), tab, user: fc.constantFrom(0 as const, 1 as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('logout' as const), tab }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('api' as const), tab, revoked: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('getToken' as const), tab }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('refresh' as const), tab }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('stopStart' as const), tab }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('close' as const), tab }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('restore' as const), tab }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('newTab' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('loseAnswer' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('badAnswer' as const),
      kind: fc.constantFrom('html200' as const, 'json200' as const, '500' as const, '503' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('freeze' as const), tab }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('foreignLock' as const), ms: fc.integer({ min: 100, max: 60_000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('clockJump' as const), ms: fc.integer({ min: -600_000, max: 1_800_000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('serverSkew' as const), ms: fc.integer({ min: -120_000, max: 120_000 }) }) },
  ...optInArbs,
)

const MAX_TABS = 8

function pick(tabs: Tab[], index: number): Tab | null {
  return tabs.length === 0 ? null : tabs[index % tabs.length]!
}

/** Tabs a user can act in: open, running (started) and not frozen. */
const usable = (world: World) => world.tabs.filter((t) => !t.closed && t.started && !t.frozen)
const open = (world: World) => world.tabs.filter((t) => !t.closed)

/** Runs one command; returns what it did, for the trace (null: nothing to do). */
export async function run(world: World, cmd: Cmd): Promise<string | null> {
  switch (cmd.k) {
    case 'wait':
      await world.advance(cmd.ms)
      return `t=${world.vt}`
    case 'untilRefresh': {
      const sent = world.refreshesSent
      await world.advance(70_000, () => world.refreshesSent > sent)
      await world.advance(cmd.extra)
      const sender = world.refreshesSent > sent ? world.lastSender : null
      if (!sender) return `no refresh, t=${world.vt}`
      // Then something happens to the tab that sent it, its answer maybe still on the way.
      if (cmd.then === 'freeze') world.freeze(sender)
      else if (cmd.then === 'stop' && !sender.frozen) world.stop(sender)
      else if (cmd.then === 'close') world.close(sender)
      return `tab ${sender.id} sent a refresh, t=${world.vt}${cmd.then === 'none' ? '' : `; tab ${sender.id}: ${cmd.then}`}`
    }
    case 'login': {
      const target = pick(usable(world), cmd.tab)
      if (!target) return null
      // The app's login form: the user submits after any logout's revoke has answered (the
      // revoke answer clears the fingerprint cookie and would otherwise clear the new one).
      for (let i = 0; world.revokesInFlight > 0 && i < 100; i++) await world.advance(50)
      const user = USERS[cmd.user]
      // The app hands the answer to client.login as soon as it arrives (unless the tab is gone).
      let done: string | null = null
      world
        .loginRequest(target, user.username, user.password)
        .then((pair) => {
          if (target.closed || target.frozen) return void (done = `tab ${target.id}: login answer arrived too late`)
          target.client.login(pair)
          const sid = String(world.byAccess.get(pair.accessToken)?.sid)
          world.limits.loggedIn(sid)
          // Tabs running now hear of it (a frozen one once it thaws); a stopped one does not.
          world.latest = { kind: 'login', sid, sub: user.id, told: new Set(world.tabs.filter((t) => !t.closed && t.started)) }
          done = `tab ${target.id} logged in ${user.username} (session ${sid.slice(0, 6)}) t=${world.vt}`
        })
        .catch(() => (done = `tab ${target.id}: login request failed`))
      for (let i = 0; done === null && i < 1_000; i++) await world.advance(10, () => done !== null)
      return done ?? `tab ${target.id}: login unanswered`
    }
    case 'logout': {
      const target = pick(usable(world), cmd.tab)
      if (!target) return null
      // As for a login: tabs running now hear of it, a stopped one does not. Those of them that
      // held a session end it and remember its end, so they can tell a stopped tab later.
      const told = new Set(world.tabs.filter((t) => !t.closed && t.started))
      const remember = new Set([...told].filter((t) => world.held(t).length > 0))
      world.requests.track(target, 'logout', target.client.logout())
      world.latest = { kind: 'logout', told, remember }
      return `tab ${target.id} logged out t=${world.vt}`
    }
    case 'api': {
      const target = pick(usable(world), cmd.tab)
      const call = target && world.requests.composeCall(target)
      if (!target || !call) return null
      if (cmd.revoked) world.server.control.revokeAccessToken(target.client.getSnapshot().accessToken ?? '')
      const response = target.client.fetch(`${ORIGIN}/api/me`, { headers: { 'x-model-call': call.id } })
      world.requests.track(target, 'fetch', response).catch(() => {})
      return `tab ${target.id} fetch as ${call.user}${cmd.revoked ? ' (token revoked)' : ''}`
    }
    case 'getToken': {
      const target = pick(usable(world), cmd.tab)
      if (!target) return null
      world.requests.track(target, 'getAccessToken', target.client.getAccessToken()).catch(() => {})
      return `tab ${target.id} getAccessToken`
    }
    case 'refresh': {
      const target = pick(usable(world), cmd.tab)
      if (!target) return null
      world.requests.track(target, 'refresh', target.client.refresh()).catch(() => {})
      return `tab ${target.id} refresh`
    }
    case 'stopStart': {
      const target = pick(
        world.tabs.filter((t) => !t.closed && !t.frozen),
        cmd.tab,
      )
      if (!target) return null
      if (target.started) world.stop(target)
      else world.start(target)
      return `tab ${target.id} ${target.started ? 'started' : 'stopped'}`
    }
    case 'close': {
      const target = pick(open(world), cmd.tab)
      if (!target) return null
      world.close(target)
      return `tab ${target.id} closed`
    }
    case 'restore': {
      const closed = world.tabs.filter((t) => t.closed && t.closeSnapshot && !world.tabs.some((o) => o.restoredFrom === t.id))
      const source = pick(closed, cmd.tab)
      if (!source || world.tabs.length >= MAX_TABS) return null
      const newest = (tabs: Tab[]) => Math.max(-1, ...tabs.flatMap((t) => world.held(t).map((i) => i.gen)))
      const restored = world.openTab(source.closeSnapshot, source.id)
      if (newest([restored]) >= 0 && newest([restored]) < newest(open(world).filter((t) => t !== restored)))
        world.count('restored a tab with an older pair')
      world.start(restored)
      return `tab ${source.id} restored as tab ${restored.id}`
    }
    case 'newTab': {
      if (world.tabs.length >= MAX_TABS) return null
      const fresh = world.openTab()
      world.start(fresh)
      return `new tab ${fresh.id}`
    }
    case 'loseAnswer':
      world.loseNext++
      return 'next refresh answer lost'
    case 'badAnswer': {
      const control = world.server.control
      if (cmd.kind === 'html200') control.failNextRefreshes(1, 200, '<html><body>Sign in</body></html>', 'text/html')
      else if (cmd.kind === 'json200')
        control.failNextRefreshes(1, 200, JSON.stringify({ accessToken: 'not-a-jwt', refreshToken: 'x' }), 'application/json')
      else control.failNextRefreshes(1, Number(cmd.kind))
      world.failsPending++
      return `next refresh answers ${cmd.kind}`
    }
    case 'freeze': {
      const target = pick(open(world), cmd.tab)
      if (!target) return null
      if (target.frozen) world.thaw(target)
      else world.freeze(target)
      return `tab ${target.id} ${target.frozen ? 'frozen' : 'thawed'}`
    }
    case 'foreignLock':
      world.foreignLock(cmd.ms)
      return `foreign refresh-lock holder for ${cmd.ms} ms`
    case 'clockJump':
      world.clientOffset += cmd.ms
      world.offsetRange = [Math.min(world.offsetRange[0], world.clientOffset), Math.max(world.offsetRange[1], world.clientOffset)]
      return `client clock offset ${world.clientOffset}`
    case 'serverSkew':
      world.serverSkew = cmd.ms
      world.skewRange = [Math.min(world.skewRange[0], cmd.ms), Math.max(world.skewRange[1], cmd.ms)]
      return `server clock skew ${cmd.ms}`
    default:
      return runOptIn(world, cmd)
  }
}
