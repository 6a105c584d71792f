// The opt-in parts in the session model: which of them a run configures (chosen per run, so runs
// with none keep the plain client covered), and what the model knows to judge them: when each
// login's idle limit and max age may or must have passed, and which Hasura role a request or a
// tab may show.
import fc from 'fast-check'
import { getHasuraClaims } from '../../../src/core/hasura'

/** The opt-in parts of every client of a run. */
export interface ModelConfig {
  /** `sessionTimeout(…)`; a limit left out is off. */
  timeout?: { idleTimeout?: number; maxSessionAge?: number; warnBefore: number }
  /** `role: hasuraRole()`. */
  role: boolean
  /** Cookie mode: logins ask for it, the refresh token lives only in the HttpOnly cookie, and `restore: cookieRestore`. */
  cookie: boolean
}

export const PLAIN: ModelConfig = { role: false, cookie: false }

const DAY = 86_400_000
const limit = (arbitrary: fc.Arbitrary<number>) => fc.option(arbitrary, { nil: undefined, freq: 3 })

export const configArb: fc.Arbitrary<ModelConfig> = fc.record({
  timeout: fc.option(
    fc.record({
      idleTimeout: limit(fc.integer({ min: 180_000, max: 600_000 })),
      // 30 days is past setTimeout's 2^31-1 ms, which the model's timers overflow as a browser's do.
      maxSessionAge: limit(fc.oneof(fc.integer({ min: 600_000, max: 7_200_000 }), fc.constant(30 * DAY))),
      warnBefore: fc.constantFrom(0, 30_000, 60_000),
    }),
    { nil: undefined, freq: 2 },
  ),
  role: fc.boolean(),
  cookie: fc.boolean(),
})

export const describeConfig = (config: ModelConfig): string =>
  [
    config.timeout && `sessionTimeout ${JSON.stringify(config.timeout)}`,
    config.role && 'hasuraRole',
    config.cookie && 'cookie mode + cookieRestore',
  ]
    .filter(Boolean)
    .join(', ') || 'no opt-in parts'

/** The roles a `setRole` command picks from (the reference server's users allow `user`, and admin also `admin`). */
export const ROLES = [null, 'user', 'admin'] as const

export function allowedRoles(claims: Record<string, unknown> | null | undefined): string[] {
  return getHasuraClaims(claims)?.allowedRoles ?? []
}

/** A tab notices a limit within one 30 s timer step, plus messages and network time. */
const LIMIT_SLACK = 35_000
/** Input reaches the other tabs at most 10 s after it happened (shared at most every 10 s), plus delivery. */
const SHARE_LAG = 11_000
/** `auth_time` and `iat` are whole seconds, and a measured skew under 2 s counts as none. */
const SECONDS = 3_000

/** What the model knows of one login's limits, in client-clock ms. */
interface LoginClock {
  /** The client clock when the login's answer reached its tab. */
  loginAt: number
  /**
   * The earliest any tab's idle clock may show: the latest input that surely counted (less the
   * time it takes to reach the other tabs), or a tab the session appeared in since, when the
   * client clock stepped back before (that tab's clock starts at its now, earlier than the input).
   */
  earliest: number
  /** The latest any tab's idle clock may show: input that may have counted, a tab the session appeared in. */
  latest: number
}

export interface LimitsHost {
  readonly config: ModelConfig
  clientNow(): number
  /** How far a tab's idea of a login's start can be off: the client clock's and server clock's movements. */
  spread(): number
}

/** The idle limit and max age of every login, as far as the model can tell them. */
export class Limits {
  private readonly logins = new Map<string, LoginClock>()
  /**
   * Frozen tabs, by id: the login each showed and its `earliest` then. A thawing tab may run its
   * limit check before it hears the input that happened meanwhile, so input while it is frozen
   * does not move `earliest` past it.
   */
  private readonly frozen = new Map<number, { sid: string; earliest: number }>()

  constructor(private readonly host: LimitsHost) {}

  private get timeout() {
    return this.host.config.timeout
  }

  loggedIn(sid: string): void {
    const now = this.host.clientNow()
    this.logins.set(sid, { loginAt: now, earliest: now - SHARE_LAG, latest: now })
  }

  /**
   * The session appeared in a tab (its timeout part saw it first: a start, a handoff, a cold
   * start): that tab's idle clock starts now, and it tells no other tab.
   */
  appeared(sid: string): void {
    const clock = this.logins.get(sid)
    if (!clock) return
    const now = this.host.clientNow()
    clock.latest = Math.max(clock.latest, now)
    clock.earliest = Math.min(clock.earliest, now)
  }

  froze(tab: number, sid: string): void {
    const clock = this.logins.get(sid)
    if (clock) this.frozen.set(tab, { sid, earliest: clock.earliest })
  }

  thawed(tab: number): void {
    this.frozen.delete(tab)
  }

  /**
   * User input (`extend`: `client.extend()`) in a tab showing `sid`. It surely counts when no tab
   * can have been warned of the idle limit (or, for extend, be past it); it may count until every
   * tab is surely past it; later it must not count. Returns which, for the trace.
   */
  input(sid: string, extend: boolean): 'counted' | 'may count' | 'too late' {
    const clock = this.logins.get(sid)
    const idle = this.timeout?.idleTimeout
    if (!clock || !idle) return 'counted'
    const now = this.host.clientNow()
    const lead = extend ? 0 : this.timeout.warnBefore
    if (this.mustHaveEnded(sid)) return 'too late'
    clock.latest = Math.max(clock.latest, now)
    if (now - clock.earliest >= idle - lead || this.mayHaveEnded(sid)) return 'may count'
    clock.earliest = Math.min(now - SHARE_LAG, ...[...this.frozen.values()].filter((f) => f.sid === sid).map((f) => f.earliest))
    return 'counted'
  }

  /** Which limit may have ended login `sid` in some tab by now (null: none can have). */
  mayHaveEnded(sid: string): string | null {
    const clock = this.logins.get(sid)
    const { idleTimeout, maxSessionAge } = this.timeout ?? {}
    if (!clock) return null
    const now = this.host.clientNow()
    if (idleTimeout && now - clock.earliest >= idleTimeout) return 'idle limit'
    if (maxSessionAge && now - clock.loginAt + this.host.spread() + SECONDS >= maxSessionAge) return 'max age'
    return null
  }

  /** Which limit every tab showing login `sid` must have reached by now, with time to notice (null: none). */
  mustHaveEnded(sid: string): string | null {
    const clock = this.logins.get(sid)
    const { idleTimeout, maxSessionAge } = this.timeout ?? {}
    if (!clock) return null
    const now = this.host.clientNow()
    if (idleTimeout && now - clock.latest > idleTimeout + LIMIT_SLACK)
      return `idle limit (${idleTimeout} ms; latest input or appearance ${now - clock.latest} ms ago)`
    const age = now - clock.loginAt
    if (maxSessionAge && age - this.host.spread() - SECONDS > maxSessionAge + LIMIT_SLACK)
      return `max age (${maxSessionAge} ms; logged in ${age} ms ago)`
    return null
  }
}
