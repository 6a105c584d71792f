// `mountAuthDevtools(auth, element)`: the panel, plain DOM and SVG. A toggle button (its state
// remembered per app, under the storage key, in this tab’s sessionStorage: a UI preference, never session data)
// and, while open, three sections: Tabs, Timeline, Now (and Faults when asked for), with "Copy report". It never moves focus:
// it redraws on every record (coalesced in a microtask) and once a second for the countdowns, and
// puts focus back on the same mark only when focus was on a mark it redrew.
import type { AuthClient } from '../core/options'
import type { JwtClaims } from '../core/tokens'
import { diagnose } from './diagnose'
import { html } from './dom'
import { faultsView, type PanelFaultOptions } from './faultsView'
import { connect, type DevtoolsOptions } from './hub'
import { drawNow, drawTabs } from './nowView'
import { STYLES } from './styles'
import { drawTimeline } from './timeline'

export interface MountOptions extends DevtoolsOptions {
  /** Open on the first visit (default false); afterwards the panel remembers what the user chose. */
  initialIsOpen?: boolean
  /**
   * Adds a "Faults" section: expire the access token now, go offline, open a new tab; with `url`,
   * this tab's refresh requests (see `installFaults`); with `api`, parallel requests that get 401.
   * Its faults end with the panel.
   */
  faults?: PanelFaultOptions
}

const remembered = (key: string): boolean | null => {
  try {
    const value = sessionStorage.getItem(key)
    return value === null ? null : value === 'open'
  } catch {
    return null
  }
}

/** Mounts the devtools panel of `auth` into `element`; returns the function that removes it. */
export function mountAuthDevtools<TClaims extends JwtClaims>(
  client: AuthClient<TClaims>,
  element: HTMLElement,
  options: MountOptions = {},
): () => void {
  const auth = client as unknown as AuthClient<never>
  const { hub, release } = connect(auth, options)
  const doc = element.ownerDocument
  const now = hub.inspection.options.now ?? Date.now
  const openKey = `jwt-session:${hub.inspection.storageKey}:devtools-open`
  let open = remembered(openKey) ?? options.initialIsOpen ?? false
  const id = `jts-devtools-${hub.selfId}`

  const toggle = html(doc, 'button', { type: 'button', class: 'jts-toggle', 'aria-controls': id }, 'Auth devtools')
  const status = html(doc, 'p', { class: 'jts-status', role: 'status', 'aria-live': 'polite' })
  const copy = html(doc, 'button', { type: 'button', class: 'jts-copy' }, 'Copy report')
  const tabsBody = html(doc, 'div')
  const timelineBody = html(doc, 'div')
  const nowBody = html(doc, 'div')
  const section = (title: string, body: HTMLElement, extra?: HTMLElement) =>
    html(doc, 'section', { 'aria-label': title, class: 'jts-section' }, html(doc, 'h2', {}, title), body, extra)
  const faults = options.faults && faultsView(doc, id, hub, options.faults)
  const panel = html(
    doc,
    'div',
    { id, class: 'jts-body', role: 'region', 'aria-label': 'Auth devtools' },
    section('Tabs', tabsBody),
    section('Timeline', timelineBody),
    section('Now', nowBody),
    faults && section('Faults', faults.body),
    html(doc, 'div', { class: 'jts-actions' }, copy, status),
  )
  const root = html(doc, 'div', { class: 'jts-devtools' }, html(doc, 'style', {}, STYLES), toggle, panel)
  element.append(root)

  let queued = false
  function render(): void {
    queued = false
    toggle.setAttribute('aria-expanded', String(open))
    panel.hidden = !open
    if (!open) return
    const active = doc.activeElement
    const focusedKey = active && timelineBody.contains(active) ? active.getAttribute('data-key') : null
    const at = now()
    tabsBody.replaceChildren(drawTabs(doc, hub))
    timelineBody.replaceChildren(drawTimeline(doc, hub.tabs(), hub.records(), at))
    nowBody.replaceChildren(drawNow(doc, hub, at))
    if (focusedKey) (timelineBody.querySelector(`[data-key="${CSS.escape(focusedKey)}"]`) as SVGElement | null)?.focus()
  }
  const schedule = () => {
    if (queued) return
    queued = true
    queueMicrotask(render)
  }

  toggle.addEventListener('click', () => {
    open = !open
    try {
      sessionStorage.setItem(openKey, open ? 'open' : 'closed')
    } catch {
      // Storage blocked: the panel forgets, nothing else.
    }
    render()
  })
  copy.addEventListener('click', () => {
    const report = JSON.stringify(diagnose(auth), null, 2)
    const clipboard = doc.defaultView?.navigator.clipboard
    const done = (text: string) => (status.textContent = text)
    if (!clipboard) return void done('No clipboard here: copy the report from diagnose(auth).')
    clipboard.writeText(report).then(
      () => done(`Report copied (${report.length} characters).`),
      () => done('The browser refused the clipboard: copy the report from diagnose(auth).'),
    )
  })

  const unsubscribe = hub.subscribe(schedule)
  const unsubscribeState = auth.subscribe(schedule)
  const ticker = setInterval(() => open && render(), 1000)
  render()
  return () => {
    clearInterval(ticker)
    unsubscribe()
    unsubscribeState()
    root.remove()
    faults?.uninstall()
    release()
  }
}
