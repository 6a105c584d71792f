// What the devtools keep of what happened in a tab: plain, cloneable data in the client's own
// vocabulary, picked field by field from the inspection records. An event's error keeps its code
// and status only (a custom `refresh` may throw an AuthError whose message quotes a token), and no
// record carries a token, a claim value or a header: what is not picked here cannot leak.
import type { InspectRecord } from '../core/inspect'

/** The order key of a session: which login (`family`, the `sessionId`), which rotation (`gen`). */
export interface DevSessionKey {
  family: string
  login: number
  since: number
  gen: number
}

/** One thing that happened in one tab, on that tab's clock (ms). */
export interface DevRecord {
  /** The tab it happened in (its devtools id). */
  tab: string
  at: number
  /**
   * `event`: what `onEvent` heard; `transition`: the session changed, with its cause as `type`;
   * `lock`: the tab took (`held`) or let go of (`released`) the refresh lock; `request`: an API
   * refused a request's token (`unauthorized`), which then was `replayed` or `not_replayed`.
   */
  kind: 'event' | 'transition' | 'lock' | 'request'
  type: string
  /** Why a session ended (`logged_out`), which limit warns (`session_expiring`), why a refresh was skipped. */
  reason?: string
  fromOtherTab?: boolean
  /** Where a session came from: `storage`, `cookie`, `handoff`, `broadcast`. */
  from?: string
  /** When: a planned refresh, a limit that ends the session. */
  when?: number
  /** When the new access token expires (`refresh_succeeded`). */
  expiresAt?: number
  retryIn?: number | null
  code?: string
  status?: number
  /** The session held after a transition (null: none). */
  session?: DevSessionKey | null
  /** The token now held (after a change that brings one): issued and expiring, on the tab's clock. */
  token?: { issuedAt: number; expiresAt: number }
}

const text = (value: unknown, max = 64): string | undefined => (typeof value === 'string' ? value.slice(0, max) : undefined)
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined)

/** The fields of an error the devtools keep: its code and HTTP status, never its message. */
export function errorFields(error: unknown): Pick<DevRecord, 'code' | 'status'> {
  const { code, status } = Object(error) as Record<string, unknown>
  return {
    ...(typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) && { code }),
    ...(num(status) !== undefined && { status: num(status) }),
  }
}

export function keyOf(key: unknown): DevSessionKey | null {
  const { family, login, since, gen } = Object(key) as Record<string, unknown>
  if (typeof family !== 'string') return null
  return { family: family.slice(0, 64), login: num(login) ?? 0, since: num(since) ?? 0, gen: num(gen) ?? 0 }
}

/** The devtools' copy of one inspection record of `tab`. */
export function toDevRecord(tab: string, record: InspectRecord): DevRecord {
  if (record.type === 'transition') {
    return { tab, at: record.at, kind: 'transition', type: record.cause, session: keyOf(record.session) }
  }
  if (record.type === 'lock') return { tab, at: record.at, kind: 'lock', type: record.held ? 'held' : 'released' }
  if (record.type === 'request') return { tab, at: record.at, kind: 'request', type: record.outcome, ...errorFields(record.error) }
  const event = record.event as unknown as Record<string, unknown>
  const picked: DevRecord = { tab, at: record.at, kind: 'event', type: String(event.type) }
  const reason = text(event.reason)
  if (reason !== undefined) picked.reason = reason
  if (typeof event.fromOtherTab === 'boolean') picked.fromOtherTab = event.fromOtherTab
  const from = text(event.from)
  if (from !== undefined) picked.from = from
  // `at` of refresh_scheduled and session_expiring: when the thing is due.
  const when = num(event.at)
  if (when !== undefined) picked.when = when
  const expiresAt = num(event.expiresAt)
  if (expiresAt !== undefined) picked.expiresAt = expiresAt
  if (event.retryIn === null || num(event.retryIn) !== undefined) picked.retryIn = event.retryIn as number | null
  if (event.error !== undefined) Object.assign(picked, errorFields(event.error))
  if (event.type === 'step_up_required') picked.code = text(event.error)
  return picked
}

const KINDS: readonly DevRecord['kind'][] = ['event', 'transition', 'lock', 'request']

/** A record heard from another tab, checked field by field (another version, another script). */
export function parseDevRecord(value: unknown): DevRecord | null {
  const r = Object(value) as Record<string, unknown>
  const tab = text(r.tab)
  const at = num(r.at)
  const type = text(r.type)
  const kind = KINDS.find((known) => known === r.kind)
  if (tab === undefined || at === undefined || type === undefined || kind === undefined) return null
  const record: DevRecord = { tab, at, kind, type }
  for (const name of ['reason', 'from', 'code'] as const) if (text(r[name]) !== undefined) record[name] = text(r[name])
  for (const name of ['when', 'expiresAt', 'status'] as const) if (num(r[name]) !== undefined) record[name] = num(r[name])
  if (typeof r.fromOtherTab === 'boolean') record.fromOtherTab = r.fromOtherTab
  if (r.retryIn === null || num(r.retryIn) !== undefined) record.retryIn = r.retryIn as number | null
  if ('session' in r) record.session = keyOf(r.session)
  const token = Object(r.token) as Record<string, unknown>
  const issuedAt = num(token.issuedAt)
  const tokenExpiresAt = num(token.expiresAt)
  if (issuedAt !== undefined && tokenExpiresAt !== undefined) record.token = { issuedAt, expiresAt: tokenExpiresAt }
  return record
}
