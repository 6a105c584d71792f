// The timeline, drawn: one lane per tab; in it each access token the tab held as a bar from issue
// to expiry with its refresh lead shaded, and a mark for each thing that happened there, coloured
// by outcome (a refresh by the tab that sent it, since every tab posts its own records).
import type { DevTab } from './hub'
import { clock, svg } from './dom'
import type { DevRecord } from './records'

const WIDTH = 640
const LABEL = 96
const LANE = 40
const AXIS = 18
/** The longest stretch drawn: older records stay in the report, not on screen. */
const SPAN = 30 * 60_000

/** What a mark says and how it is coloured (`data-outcome`, the class `jts-<outcome>`). */
interface Mark {
  outcome: 'ok' | 'fail' | 'skip' | 'end' | 'start' | 'handoff' | 'warn'
  label: string
}

/** The records that become marks; the rest (refresh_started, refresh_scheduled, transitions) shape bars or stay in the report. */
export function markOf(record: DevRecord): Mark | null {
  if (record.kind !== 'event') return null
  const failed = (what: string) => ({
    outcome: 'fail' as const,
    label: `${what}${record.status ? ` ${record.status}` : ''}${record.code ? ` ${record.code}` : ''}`,
  })
  switch (record.type) {
    case 'refresh_succeeded':
      return { outcome: 'ok', label: 'refresh' }
    case 'refresh_failed':
      return failed('refresh failed')
    case 'refresh_skipped':
      return { outcome: 'skip', label: 'refresh skipped' }
    case 'logged_out':
      return { outcome: 'end', label: `logout: ${record.reason ?? '?'}${record.fromOtherTab ? ' (other tab)' : ''}` }
    case 'logged_in':
      return { outcome: 'start', label: 'login' }
    case 'session_restored':
      return { outcome: 'start', label: `restored from ${record.from ?? '?'}` }
    case 'session_adopted':
      return { outcome: 'handoff', label: `${record.from === 'handoff' ? 'handoff' : 'adopted'}` }
    case 'handoff_timeout':
      return { outcome: 'warn', label: 'no tab answered' }
    case 'session_expiring':
      return { outcome: 'warn', label: `${record.reason === 'idle' ? 'idle' : 'max age'} warning` }
    case 'step_up_required':
      return { outcome: 'fail', label: `step-up ${record.code ?? ''}`.trim() }
    case 'storage_unavailable':
    case 'revoke_failed':
      return failed(record.type.replace('_', ' '))
    default:
      return null
  }
}

/** The SVG of `records` in the lanes of `tabs`, up to `now`. */
export function drawTimeline(doc: Document, tabs: DevTab[], records: DevRecord[], now: number): SVGElement {
  const lanes = new Map(tabs.map((tab, i) => [tab.id, i]))
  const shown = records.filter((r) => lanes.has(r.tab) && r.at >= now - SPAN)
  const tokens = shown.filter((r) => r.token)
  const from = Math.min(now - 60_000, ...shown.map((r) => r.at), ...tokens.map((r) => Math.max(r.token!.issuedAt, now - SPAN)))
  const to = Math.max(now + 30_000, Math.min(now + SPAN, Math.max(0, ...tokens.map((r) => r.token!.expiresAt))))
  const x = (at: number) => LABEL + ((Math.min(Math.max(at, from), to) - from) / (to - from)) * (WIDTH - LABEL - 8)
  const height = AXIS + LANE * Math.max(1, tabs.length)
  const laneY = (tab: string) => AXIS + LANE * (lanes.get(tab) ?? 0)
  const marks = shown.filter((r) => markOf(r))

  const root = svg(doc, 'svg', {
    viewBox: `0 0 ${WIDTH} ${height}`,
    width: '100%',
    role: 'group',
    'aria-label': `Timeline of ${tabs.length} tab(s), ${clock(from)} to ${clock(to)}: ${marks.length} event(s). Tab through the marks to read them.`,
    class: 'jts-timeline',
  })
  root.append(
    svg(doc, 'text', { x: LABEL, y: 12, class: 'jts-axis' }, clock(from)),
    svg(doc, 'text', { x: WIDTH - 8, y: 12, class: 'jts-axis', 'text-anchor': 'end' }, clock(to)),
  )
  tabs.forEach((tab) => {
    const y = laneY(tab.id)
    root.append(
      svg(doc, 'line', { x1: LABEL, x2: WIDTH - 8, y1: y + LANE - 2, y2: y + LANE - 2, class: 'jts-lane' }),
      svg(doc, 'text', { x: 4, y: y + 22, class: 'jts-tab-name' }, tab.self ? `${tab.name} (this)` : tab.name),
    )
  })
  // A token's bar ends at its expiry or where the next token of the tab took over.
  for (const record of tokens) {
    const { issuedAt, expiresAt } = record.token!
    const y = laneY(record.tab) + 14
    const lead = shown.find(
      (r) => r.tab === record.tab && r.type === 'refresh_scheduled' && r.at >= record.at && (r.when ?? Infinity) < expiresAt,
    )
    const bar = svg(
      doc,
      'g',
      { class: 'jts-token', 'data-tab': record.tab },
      svg(doc, 'title', {}, `access token ${clock(issuedAt)} → ${clock(expiresAt)}`),
      svg(doc, 'rect', { x: x(issuedAt), y, width: Math.max(1, x(expiresAt) - x(issuedAt)), height: 8, rx: 2, class: 'jts-bar' }),
    )
    if (lead?.when !== undefined) {
      bar.append(svg(doc, 'rect', { x: x(lead.when), y, width: Math.max(1, x(expiresAt) - x(lead.when)), height: 8, class: 'jts-lead' }))
    }
    root.append(bar)
  }
  for (const record of marks) {
    const mark = markOf(record)!
    const tab = tabs.find((t) => t.id === record.tab)!
    const cx = x(record.at)
    const y = laneY(record.tab) + 18
    const text = `${mark.label} by ${tab.name} at ${clock(record.at)}`
    root.append(
      svg(
        doc,
        'g',
        {
          class: `jts-mark jts-${mark.outcome}`,
          'data-outcome': mark.outcome,
          'data-type': record.type,
          'data-tab': tab.name,
          'data-key': `${record.tab}:${record.at}:${record.type}`,
          tabindex: 0,
          role: 'img',
          'aria-label': text,
        },
        svg(doc, 'title', {}, text),
        svg(doc, 'circle', { cx, cy: y, r: 5 }),
        svg(doc, 'text', { x: cx + 7, y: y - 6, class: 'jts-mark-label' }, `${mark.label} · ${tab.name}`),
      ),
    )
  }
  root.append(svg(doc, 'line', { x1: x(now), x2: x(now), y1: AXIS - 4, y2: height, class: 'jts-now' }))
  return root
}
