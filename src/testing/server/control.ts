// Test hooks: counters, injected refresh failures, and gates that stall refreshes and logouts.
import { json, readJsonObject, type RequestContext, type RouteHandler } from './http'
import type { AuthServerControl, AuthServerCounters } from './types'

export interface InjectedFailure {
  status: number
  body: string
  contentType: string
}

export type RefreshGate = { kind: 'proceed' } | { kind: 'aborted' } | { kind: 'fail'; failure: InjectedFailure }

export interface ControlState {
  /** The live counters; routes increment them. */
  stats: AuthServerCounters
  /** Runs before a refresh touches any token: waits while held, then applies injected failures. */
  beforeRefresh(signal: AbortSignal): Promise<RefreshGate>
  /** Runs before a logout ends anything: waits while held; false when the client went away (a page closed mid-request). */
  beforeLogout(signal: AbortSignal): Promise<boolean>
}

const zeroCounters = (): AuthServerCounters => ({ logins: 0, refreshes: 0, reuseEvents: 0, unauthorized: 0, revocations: 0 })

/** Stalls requests of one kind while held; a request whose client went away passes as aborted. */
function createGate() {
  let holding = false
  const waiters = new Set<() => void>()
  return {
    hold: () => void (holding = true),
    release() {
      holding = false
      for (const wake of [...waiters]) wake()
    },
    pending: () => waiters.size,
    /** Waits while held; false when the client went away meanwhile. */
    async pass(signal: AbortSignal): Promise<boolean> {
      if (holding) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake)
            signal.removeEventListener('abort', wake)
            resolve()
          }
          waiters.add(wake)
          signal.addEventListener('abort', wake, { once: true })
        })
      }
      return !signal.aborted
    },
  }
}

export function createControlState(): ControlState & Omit<AuthServerControl, 'revokeAccessToken' | 'setClockOffset'> {
  const counters = zeroCounters()
  const failures: InjectedFailure[] = []
  const refreshes = createGate()
  const logouts = createGate()

  return {
    stats: counters,
    counters: () => ({ ...counters }),
    resetCounters: () => void Object.assign(counters, zeroCounters()),
    failNextRefreshes(count, status, body, contentType) {
      if (!Number.isInteger(count) || count < 0) throw new RangeError('failNextRefreshes: count must be a non-negative integer')
      if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError('failNextRefreshes: status must be 200-599')
      const failure: InjectedFailure =
        body === undefined
          ? { status, body: JSON.stringify({ error: 'injected_failure' }), contentType: contentType ?? 'application/json' }
          : { status, body, contentType: contentType ?? 'text/plain; charset=utf-8' }
      for (let i = 0; i < count; i++) failures.push(failure)
    },
    holdRefreshes: refreshes.hold,
    releaseRefreshes: refreshes.release,
    pendingRefreshes: refreshes.pending,
    holdLogouts: logouts.hold,
    releaseLogouts: logouts.release,
    pendingLogouts: logouts.pending,

    async beforeRefresh(signal) {
      // A client that went away while held never gets its refresh processed: the token it
      // presented stays unused, as if the request had never arrived.
      if (!(await refreshes.pass(signal))) return { kind: 'aborted' }
      const failure = failures.shift()
      return failure ? { kind: 'fail', failure } : { kind: 'proceed' }
    },
    beforeLogout: logouts.pass,
  }
}

/** `/__control/*` over HTTP for browser e2e tests and the demo; only mounted with `exposeControl`. */
export function controlRoutes(control: AuthServerControl): Record<string, Record<string, RouteHandler>> {
  const ok = (ctx: RequestContext) => json(ctx, 200, { ok: true })
  const bad = (ctx: RequestContext) => json(ctx, 400, { error: 'invalid_request' })
  const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value)
  const optionalText = (value: unknown) => value === undefined || typeof value === 'string'

  return {
    '/__control/counters': { GET: async (ctx) => json(ctx, 200, control.counters()) },
    '/__control/pending-refreshes': { GET: async (ctx) => json(ctx, 200, { pending: control.pendingRefreshes() }) },
    '/__control/reset-counters': { POST: async (ctx) => (control.resetCounters(), ok(ctx)) },
    '/__control/hold-refreshes': { POST: async (ctx) => (control.holdRefreshes(), ok(ctx)) },
    '/__control/release-refreshes': { POST: async (ctx) => (control.releaseRefreshes(), ok(ctx)) },
    '/__control/pending-logouts': { GET: async (ctx) => json(ctx, 200, { pending: control.pendingLogouts() }) },
    '/__control/hold-logouts': { POST: async (ctx) => (control.holdLogouts(), ok(ctx)) },
    '/__control/release-logouts': { POST: async (ctx) => (control.releaseLogouts(), ok(ctx)) },
    '/__control/fail-refreshes': {
      POST: async (ctx) => {
        const body = await readJsonObject(ctx.request)
        const { count, status, body: text, contentType } = body ?? {}
        if (!isInt(count) || count < 0 || !isInt(status) || status < 200 || status > 599) return bad(ctx)
        if (!optionalText(text) || !optionalText(contentType)) return bad(ctx)
        control.failNextRefreshes(count, status, text as string | undefined, contentType as string | undefined)
        return ok(ctx)
      },
    },
    '/__control/clock-offset': {
      POST: async (ctx) => {
        const body = await readJsonObject(ctx.request)
        if (typeof body?.ms !== 'number' || !Number.isFinite(body.ms)) return bad(ctx)
        control.setClockOffset(body.ms)
        return ok(ctx)
      },
    },
    '/__control/revoke-access-token': {
      POST: async (ctx) => {
        const body = await readJsonObject(ctx.request)
        if (typeof body?.token !== 'string') return bad(ctx)
        control.revokeAccessToken(body.token)
        return ok(ctx)
      },
    },
  }
}
