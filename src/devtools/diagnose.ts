// `diagnose(auth)`: what a bug ticket needs, as JSON of at most 16 KB. Built only from values
// picked one by one: option names and numbers (a function by its name, never its source), the
// browser's capabilities, the state's status and times, claim names (times of the time claims,
// no other claim value), and the devtools' records (records.ts keeps no token, message or
// header). The newest transitions of every tab are kept; older ones go first when it is too big.
import type { AuthClient } from '../core/options'
import type { JwtClaims } from '../core/tokens'
import { connected, inspectionOf, type DevTab } from './hub'
import { errorFields, type DevRecord } from './records'
import { VERSION } from './version'

/** The largest report, in bytes of its JSON (UTF-8). */
export const MAX_REPORT_BYTES = 16 * 1024

export interface DiagnoseOptions {
  /** How many of the newest transitions of each tab (default 50); fewer when the report would pass 16 KB. */
  transitions?: number
}

/** A JSON value of the report. */
export type ReportValue = string | number | boolean | null | ReportValue[] | { [key: string]: ReportValue }

/** The report `diagnose` returns: plain JSON, `JSON.stringify` it for a ticket. */
export interface DiagnosticReport {
  library: { name: 'jwt-tab-session'; version: string }
  /** When it was made, on the client's clock (ms). */
  at: number
  /** The options in effect: given ones, and the defaults of the timings and the storage key. */
  options: Record<string, ReportValue>
  capabilities: Record<string, boolean>
  state: Record<string, ReportValue>
  refresh: { status: string; retryAt: number | null }
  /** Every tab the devtools heard of (only this one when they are not connected: see `connectAuthDevtools`). */
  tabs: { id: string; name: string; visible: boolean; holdsSession: boolean; self: boolean }[]
  /** The newest transitions of every tab, oldest first: cause and session order key. */
  transitions: Record<string, ReportValue>[]
  /** Failures of every tab with their codes. */
  failures: Record<string, ReportValue>[]
  /** Some transitions or failures were left out to stay under 16 KB. */
  truncated: boolean
}

const DEFAULTS: Record<string, ReportValue> = {
  storageKey: 'jwt-session',
  refreshLeadTime: 60_000,
  refreshTimeout: 15_000,
  handoffTimeout: 300,
}
// Options whose strings say how the client is set up, not what it carries.
const STRING_OPTIONS = new Set(['storageKey', 'credentials', 'allowedOrigins', 'graphqlErrors'])

const identifier = (name: unknown) => (typeof name === 'string' && /^[\w$]{1,40}$/.test(name) ? name : 'anonymous')

/** One option as the report names it. */
function optionValue(name: string, value: unknown): ReportValue {
  if (typeof value === 'function') return `function ${identifier(value.name)}`
  if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value
  if (STRING_OPTIONS.has(name)) {
    if (typeof value === 'string') return value.slice(0, 200)
    if (Array.isArray(value)) return value.slice(0, 20).map((item) => (typeof item === 'string' ? item.slice(0, 200) : typeof item))
  }
  if (Array.isArray(value)) return `${value.length} item(s)`
  return typeof value
}

function capabilities(): Record<string, boolean> {
  const probe = (read: () => unknown) => {
    try {
      return Boolean(read())
    } catch {
      return false
    }
  }
  return {
    webLocks: probe(() => navigator.locks),
    broadcastChannel: typeof BroadcastChannel !== 'undefined',
    // Reading the global throws where storage is blocked; nothing is written to find out.
    sessionStorage: probe(() => sessionStorage),
    indexedDB: probe(() => indexedDB),
    webCrypto: probe(() => crypto.subtle),
    visibility: probe(() => document.visibilityState),
  }
}

const TIME_CLAIMS = ['iat', 'exp', 'nbf', 'auth_time']

/** A JSON report of `auth` for a bug ticket: no token, refresh token, cookie, key or header value. */
export function diagnose<TClaims extends JwtClaims>(
  client: AuthClient<TClaims>,
  { transitions: wanted = 50 }: DiagnoseOptions = {},
): DiagnosticReport {
  const auth = client as unknown as AuthClient<never>
  const inspection = inspectionOf(auth)
  const given = inspection.options as Record<string, unknown>
  const options: Record<string, ReportValue> = {}
  for (const name of new Set([...Object.keys(DEFAULTS), ...Object.keys(given).slice(0, 40)].map((key) => key.slice(0, 64)))) {
    options[name] = given[name] === undefined ? (DEFAULTS[name] ?? null) : optionValue(name, given[name])
  }
  const state = auth.getSnapshot()
  const claims = Object(state.claims) as Record<string, unknown>
  const hub = connected(auth)
  const now = (given.now as (() => number) | undefined) ?? Date.now
  const tabs: DevTab[] = hub?.tabs() ?? [
    { id: 'this', name: 'this tab', visible: true, sessionId: state.sessionId, holdsLock: false, self: true },
  ]
  const records: DevRecord[] = hub?.records() ?? []

  const base = {
    library: { name: 'jwt-tab-session' as const, version: VERSION },
    at: now(),
    options,
    capabilities: capabilities(),
    state: {
      status: state.status,
      sessionId: state.sessionId,
      expiresAt: state.expiresAt,
      tokenExpired: state.tokenExpired,
      ended: state.ended && { reason: state.ended.reason, fromOtherTab: state.ended.fromOtherTab },
      expiring: state.expiring && { reason: state.expiring.reason, at: state.expiring.at },
      role: typeof state.role === 'string' ? state.role.slice(0, 64) : null,
      error: state.error && { ...errorFields(state.error) },
      claimNames: Object.keys(claims)
        .slice(0, 50)
        .map((name) => name.slice(0, 64)),
      claimTimes: Object.fromEntries(
        TIME_CLAIMS.filter((name) => typeof claims[name] === 'number').map((name) => [name, claims[name] as number]),
      ),
    },
    refresh: inspection.refreshStatus(),
    tabs: tabs.map(({ id, name, visible, sessionId, self }) => ({ id, name, visible, holdsSession: sessionId !== null, self })),
  }
  const failures = records
    .filter((r) => r.code !== undefined)
    .map(({ tab, at, type, code, status }) => ({ tab, at, type, code: code!, ...(status !== undefined && { status }) }))
  const changes = records.filter((r) => r.kind === 'transition')

  // The newest `n` transitions and failures of each tab, halved until the JSON fits.
  for (let n = Math.max(0, Math.floor(wanted)); ; n = n > 1 ? Math.floor(n / 2) : n - 1) {
    const keep = Math.max(n, 0)
    const report: DiagnosticReport = {
      ...base,
      transitions: newestPerTab(changes, keep).map(({ tab, at, type, session }) => ({
        tab,
        at,
        cause: type,
        session: session ? { ...session } : null,
      })),
      failures: newestPerTab(failures, keep),
      truncated: false,
    }
    report.truncated = report.transitions.length < changes.length || report.failures.length < failures.length
    if (byteLength(JSON.stringify(report)) <= MAX_REPORT_BYTES || keep === 0) return fitBase(report)
  }
}

function newestPerTab<T extends { tab: string }>(records: T[], n: number): T[] {
  const seen = new Map<string, number>()
  const kept: T[] = []
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i]!
    const count = seen.get(record.tab) ?? 0
    if (count >= n) continue
    seen.set(record.tab, count + 1)
    kept.push(record)
  }
  return kept.reverse()
}

const byteLength = (text: string) => new TextEncoder().encode(text).length

/** Past the records, only many tabs or options can still overflow: those lists are cut too. */
function fitBase(report: DiagnosticReport): DiagnosticReport {
  while (byteLength(JSON.stringify(report)) > MAX_REPORT_BYTES && report.tabs.length > 1) {
    report.tabs = report.tabs.slice(0, Math.ceil(report.tabs.length / 2))
    report.truncated = true
  }
  return report
}
