// What the model checks of the API's calls: invariant 3 (a request goes out as the user it was
// composed for), 6 (in its tab's role, which its token allows) and 4 (every promise the API
// returned settles in time).
import { allowedRoles } from './optIn'
import { claimsOf, type Tab } from './world'

/** Every promise the API returns must settle within this much (virtual, unfrozen, awake) time. */
export const SETTLE_BOUND = 60_000

interface Op {
  tab: Tab
  kind: string
  start: number
  frozenAtStart: number
  sleptAtStart: number
  settled: boolean
  step: number
}

/** What the checks read of the world. */
interface RequestChecksHost {
  readonly vt: number
  readonly slept: number
  readonly step: number
  readonly violations: string[]
}

export class RequestChecks {
  readonly ops: Op[] = []

  constructor(private readonly world: RequestChecksHost) {}

  private readonly calls = new Map<string, { user: string; role: string | null }>()

  composeCall(tab: Tab): { id: string; user: string } | null {
    const { status, claims, role } = tab.client.getSnapshot()
    const user = claims?.sub
    if (status !== 'authenticated' || typeof user !== 'string') return null
    const id = `${tab.id}-${this.world.step}-${this.calls.size}`
    this.calls.set(id, { user, role })
    return { id, user }
  }

  /** Invariants 3 and 6: a request goes out as the user it was composed for, in its tab's role, which that token allows. */
  checkComposed(tab: Tab, id: string, headers: Headers): void {
    const want = this.calls.get(id)
    const bearer = /^Bearer (.+)$/.exec(headers.get('authorization') ?? '')?.[1]
    const claims = claimsOf(bearer)
    if (want !== undefined && claims?.sub !== want.user) {
      this.world.violations.push(
        `inv3 request composed for ${want.user} went out as ${String(claims?.sub)} (call ${id}, t=${this.world.vt})`,
      )
    }
    const role = headers.get('x-hasura-role')
    const tabRole = tab.client.getSnapshot().role
    if (want !== undefined && role !== want.role && role !== tabRole) {
      this.world.violations.push(
        `inv6 request of tab ${tab.id} carried role ${role}; the tab's role was ${want.role}, and is ${tabRole} (call ${id})`,
      )
    }
    if (role !== null && !allowedRoles(claims).includes(role)) {
      this.world.violations.push(`inv6 request of tab ${tab.id} carried role ${role}, which its token does not allow (call ${id})`)
    }
  }

  track<T>(tab: Tab, kind: string, promise: Promise<T>): Promise<T> {
    const op: Op = {
      tab,
      kind,
      start: this.world.vt,
      frozenAtStart: frozenTime(tab, this.world.vt),
      sleptAtStart: this.world.slept,
      settled: false,
      step: this.world.step,
    }
    this.ops.push(op)
    promise.then(
      () => void (op.settled = true),
      () => void (op.settled = true),
    )
    return promise
  }

  checkOps(): void {
    for (const op of this.ops) {
      if (op.settled || op.tab.closed) continue
      const age = this.world.vt - op.start - (frozenTime(op.tab, this.world.vt) - op.frozenAtStart) - (this.world.slept - op.sleptAtStart)
      if (age > SETTLE_BOUND) {
        this.world.violations.push(
          `inv4 ${op.kind}() of tab ${op.tab.id} (called at step ${op.step}, t=${op.start}) still pending after ${age} ms`,
        )
        op.settled = true // report once
      }
    }
  }
}

function frozenTime(tab: Tab, vt: number): number {
  return tab.frozenTotal + (tab.frozen ? vt - tab.frozenSince : 0)
}
