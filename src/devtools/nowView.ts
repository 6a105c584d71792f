// The "Now" and "Tabs" sections: this tab's session as the client sees it (status, sessionId,
// decoded claims with countdowns, next refresh, backoff, the opt-in parts), and every tab of the
// session with the one holding the refresh lock now. Never a token: the state's `accessToken` is not read, and a claim value shaped like a
// token is not shown.
import { clock, html, relative } from './dom'
import type { Hub } from './hub'

const TIME_CLAIMS = new Set(['iat', 'exp', 'nbf', 'auth_time'])
const TOKEN_SHAPE = /^[\w-]{8,}\.[\w-]{8,}\.[\w-]*$/

function claimText(name: string, value: unknown, now: number): string {
  if (TIME_CLAIMS.has(name) && typeof value === 'number') return `${clock(value * 1000)} (${relative(value * 1000, now)})`
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  if (TOKEN_SHAPE.test(text) || text.length > 200) return '(not shown: looks like a token or is too long)'
  return text
}

function row(doc: Document, term: string, value: string, name?: string): HTMLElement[] {
  return [html(doc, 'dt', {}, term), html(doc, 'dd', { 'data-field': name ?? null }, value)]
}

export function drawNow(doc: Document, hub: Hub, now: number): HTMLElement {
  const { auth, inspection, selfId } = hub
  const state = auth.getSnapshot()
  const options = inspection.options
  const refresh = inspection.refreshStatus()
  // The newest of this tab's plans and starts: a plan made by the refresh that is still finishing counts.
  const latest = hub
    .records()
    .filter((r) => r.tab === selfId && (r.type === 'refresh_scheduled' || r.type === 'refresh_started'))
    .at(-1)
  const scheduled = latest?.type === 'refresh_scheduled' ? latest : undefined
  const next =
    state.status !== 'authenticated'
      ? 'none'
      : refresh.status === 'refreshing' && !scheduled
        ? 'now (refreshing)'
        : refresh.status === 'rejected'
          ? 'none: the server refused the refresh token'
          : refresh.retryAt !== null
            ? `retry ${clock(refresh.retryAt)} (${relative(refresh.retryAt, now)})`
            : scheduled?.when !== undefined
              ? `${clock(scheduled.when)} (${relative(scheduled.when, now)})`
              : 'not planned yet'
  const parts = [
    options.timeout
      ? `sessionTimeout: ${state.expiring ? `${state.expiring.reason} ends it ${relative(state.expiring.at, now)}` : 'on'}`
      : null,
    options.role ? `hasuraRole: ${state.role ?? 'default role'}` : null,
    options.dpop ? 'dpop: on' : null,
    options.restore ? 'cookieRestore: on' : null,
  ].filter((part): part is string => part !== null)
  const claims = Object.entries(Object(state.claims) as Record<string, unknown>)

  return html(
    doc,
    'dl',
    { class: 'jts-now-list' },
    ...row(doc, 'Status', `${state.status}${state.tokenExpired ? ' (token expired, retrying)' : ''}`, 'status'),
    ...row(doc, 'Session', state.sessionId ?? 'none', 'sessionId'),
    ...row(
      doc,
      'Token expires',
      state.expiresAt === null ? '–' : `${clock(state.expiresAt)} (${relative(state.expiresAt, now)})`,
      'expiresAt',
    ),
    ...row(doc, 'Next refresh', next, 'nextRefresh'),
    ...row(doc, 'Refresh', refresh.status === 'retrying' ? 'backing off after a failure' : refresh.status, 'refresh'),
    ...row(
      doc,
      'Last error',
      state.error ? `${state.error.code}${state.error.status ? ` (HTTP ${state.error.status})` : ''}` : 'none',
      'error',
    ),
    ...row(doc, 'Ended', state.ended ? `${state.ended.reason}${state.ended.fromOtherTab ? ', in another tab' : ''}` : '–', 'ended'),
    ...row(doc, 'Opt-in parts', parts.join('; ') || 'none', 'parts'),
    html(doc, 'dt', {}, 'Claims'),
    html(
      doc,
      'dd',
      { 'data-field': 'claims' },
      claims.length === 0
        ? 'none'
        : html(doc, 'dl', { class: 'jts-claims' }, ...claims.flatMap(([name, value]) => row(doc, name, claimText(name, value, now)))),
    ),
  )
}

export function drawTabs(doc: Document, hub: Hub): HTMLElement {
  return html(
    doc,
    'ul',
    { class: 'jts-tabs' },
    ...hub
      .tabs()
      .map((tab) =>
        html(
          doc,
          'li',
          { 'data-tab': tab.name, 'data-self': tab.self, 'data-lock': tab.holdsLock },
          html(doc, 'strong', {}, tab.name),
          tab.self ? ' (this tab)' : '',
          ` · ${tab.visible ? 'visible' : 'hidden'} · ${tab.sessionId ? `holds session ${tab.sessionId}` : 'no session'}`,
          tab.holdsLock && html(doc, 'strong', { class: 'jts-lock' }, ' · holds the refresh lock'),
        ),
      ),
  )
}
