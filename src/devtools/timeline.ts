// The timeline, drawn: one lane per tab; in it each access token the tab held as a bar from issue
// to expiry with its refresh lead shaded, and a mark for each thing that happened there, coloured
// by outcome (a refresh by the tab that sent it, since every tab posts its own records). Requests
// whose token an API refused (401) and their replays go on a lower row of the lane, one mark per
// burst: fifty parallel 401s are one mark "401 ×50".
import type { DevTab } from './hub'
import { clock, svg } from './dom'
import type { DevRecord } from './records'

const WIDTH = 640
const LABEL = 96
const LANE = 40
const AXIS = 18
/** The longest stretch drawn: older records stay in the report, not on screen. */
const SPAN = 30 * 60_000
/** Request records of one tab and outcome this close together are one mark. */
const BURST = 1_000
/** About how wide a character of a mark's label is (10 px monospace). */
const CHAR = 6.1

/** What a mark says and how it is coloured (`data-outcome`, the class `jts-<outcome>`). */
interface Mark {
  outcome: 'ok' | 'fail' | 'skip' | 'end' | 'start' | 'handoff' | 'warn'
  label: string
}

/** The records that become marks; the rest (refresh_started, refresh_scheduled, transitions) shape bars or stay in the report. */
export function markOf(record: DevRecord): Mark | null {
  const failed = (what: string) => ({
    outcome: 'fail' as const,
    // The code only when it says more than the mark does (`refresh_failed` on a failed refresh does not).
    label: `${what}${record.status ? ` ${record.status}` : ''}${record.code && record.code !== record.type ? ` ${record.code}` : ''}`,
  })
  if (record.kind === 'request') {
    if (record.type === 'unauthorized') return { outcome: 'warn', label: '401' }
    return record.type === 'replayed' ? { outcome: 'ok', label: 'replay' } : failed('no replay')
  }
  if (record.kind !== 'event') return null
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
  const marks = bursts(shown.filter((r) => markOf(r)))

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
  // A token's bar ends at its expiry, or where the tab took the next token or logged out: the lead
  // shaded up to a late refresh shows how late it was.
  for (const record of tokens) {
    const { issuedAt, expiresAt } = record.token!
    const next = shown.find(
      (r) => r.tab === record.tab && r.at > record.at && (r.token || (r.kind === 'transition' && r.type === 'logged_out')),
    )
    const until = Math.min(expiresAt, next?.at ?? Infinity)
    const y = laneY(record.tab) + 14
    const lead = shown.find(
      (r) => r.tab === record.tab && r.type === 'refresh_scheduled' && r.at >= record.at && (r.when ?? Infinity) < until,
    )
    const bar = svg(
      doc,
      'g',
      { class: 'jts-token', 'data-tab': record.tab },
      svg(
        doc,
        'title',
        {},
        `access token ${clock(issuedAt)} → ${clock(expiresAt)}${until < expiresAt ? `, held until ${clock(until)}` : ''}`,
      ),
      svg(doc, 'rect', { x: x(issuedAt), y, width: Math.max(1, x(until) - x(issuedAt)), height: 8, rx: 2, class: 'jts-bar' }),
    )
    if (lead?.when !== undefined) {
      bar.append(svg(doc, 'rect', { x: x(lead.when), y, width: Math.max(1, x(until) - x(lead.when)), height: 8, class: 'jts-lead' }))
    }
    root.append(bar)
  }
  const nameOf = (id: string) => tabs.find((t) => t.id === id)!.name
  const labelOf = (record: DevRecord, count: number) => {
    const { label } = markOf(record)!
    return count > 1 ? `${label} ×${count}` : label
  }
  // Written labels: failures, ends and warnings first, then the rest, newest first in each. One that
  // would run into a label already placed in its row is left out (its mark keeps the title and the
  // aria-label); one that would pass the right edge, and a 401's (its replay writes to the right),
  // goes to the left of its mark.
  const placed = new Map<DevRecord, { at: number; anchor: 'start' | 'end' }>()
  const taken = new Map<string, [number, number][]>()
  const urgent = (record: DevRecord) => ['fail', 'end', 'warn'].includes(markOf(record)!.outcome)
  const newestFirst = [...marks].reverse()
  for (const { record, count } of [...newestFirst.filter((m) => urgent(m.record)), ...newestFirst.filter((m) => !urgent(m.record))]) {
    const request = record.kind === 'request'
    const text = request ? labelOf(record, count) : `${labelOf(record, count)} · ${nameOf(record.tab)}`
    const width = text.length * CHAR
    const cx = x(record.at)
    const end = cx + 7 + width > WIDTH - 2 || record.type === 'unauthorized'
    const left = end ? cx - 7 - width : cx + 7
    const row = taken.get(`${record.tab}:${request}`) ?? []
    if (row.some(([from, to]) => left < to + 4 && left + width + 4 > from)) continue
    row.push([left, left + width])
    taken.set(`${record.tab}:${request}`, row)
    placed.set(record, { at: end ? cx - 7 : cx + 7, anchor: end ? 'end' : 'start' })
  }
  for (const { record, count } of marks) {
    const mark = markOf(record)!
    const label = labelOf(record, count)
    const tab = tabs.find((t) => t.id === record.tab)!
    const cx = x(record.at)
    const y = laneY(record.tab) + (record.kind === 'request' ? 31 : 18)
    const text = `${label} by ${tab.name} at ${clock(record.at)}`
    const written = placed.get(record)
    root.append(
      svg(
        doc,
        'g',
        {
          class: `jts-mark jts-${mark.outcome}`,
          'data-outcome': mark.outcome,
          'data-type': record.type,
          'data-tab': tab.name,
          'data-count': count,
          'data-key': `${record.tab}:${record.at}:${record.type}`,
          tabindex: 0,
          role: 'img',
          'aria-label': text,
        },
        svg(doc, 'title', {}, text),
        svg(doc, 'circle', { cx, cy: y, r: record.kind === 'request' ? 4 : 5 }),
        written &&
          svg(
            doc,
            'text',
            { x: written.at, y: record.kind === 'request' ? y + 4 : y - 6, 'text-anchor': written.anchor, class: 'jts-mark-label' },
            record.kind === 'request' ? label : `${label} · ${tab.name}`,
          ),
      ),
    )
  }
  root.append(svg(doc, 'line', { x1: x(now), x2: x(now), y1: AXIS - 4, y2: height, class: 'jts-now' }))
  return root
}

/** The marks in order, with the request records of one tab and outcome within `BURST` of the first as one. */
function bursts(records: DevRecord[]): { record: DevRecord; count: number }[] {
  const marks: { record: DevRecord; count: number }[] = []
  const open = new Map<string, { record: DevRecord; count: number }>()
  for (const record of records) {
    const key = `${record.tab}:${record.type}`
    const burst = record.kind === 'request' ? open.get(key) : undefined
    if (burst && record.at - burst.record.at <= BURST) {
      burst.count++
      continue
    }
    const mark = { record, count: 1 }
    if (record.kind === 'request') open.set(key, mark)
    marks.push(mark)
  }
  return marks
}
