// The panel's Faults section: one labelled native control per scenario (faults.ts, scenarios.ts),
// usable from the keyboard, with a status line that says what each did. Its faults of the fetch
// hook end with the panel.
import type { AuthClient } from '../core/options'
import { clock, html } from './dom'
import { goOffline, installFaults, REFRESH_FAULTS, type RefreshFault } from './faults'
import type { Hub } from './hub'
import { errorFields } from './records'
import { openNewTab, sendParallel401s } from './scenarios'

/** The panel's `faults` option: which scenarios it offers. */
export interface PanelFaultOptions {
  /** The refresh endpoint (see `installFaults`): adds its select and the next-refresh faults. */
  url?: string | RegExp
  /** How late the `slow` refresh fault answers, in ms (default 5 000). */
  slowBy?: number
  /** An API that `client.fetch` may call (`/api/me`): adds "Send requests that get 401". */
  api?: string
}

/** The section's body, and the function that ends its faults. */
export function faultsView(doc: Document, id: string, hub: Hub, options: PanelFaultOptions): { body: HTMLElement; uninstall(): void } {
  const auth = hub.auth as AuthClient<never>
  const status = html(doc, 'p', { class: 'jts-status', role: 'status', 'aria-live': 'polite' })
  const say = (text: string) => (status.textContent = text)
  const button = (text: string, run: () => void) => {
    const made = html(doc, 'button', { type: 'button' }, text)
    made.addEventListener('click', run)
    return made
  }
  const labelled = (key: string, text: string, control: HTMLElement) => {
    control.id = `${id}-${key}`
    return [html(doc, 'label', { for: control.id }, text), control]
  }
  const number = (value: number, max?: number) => html(doc, 'input', { type: 'number', min: 1, max, step: 1, value, required: true })

  const { url, slowBy, api } = options
  const refresh = url === undefined ? null : installFaults({ url, slowBy })
  let online: (() => void) | null = null
  let backOnline: ReturnType<typeof setTimeout> | undefined

  const rows: HTMLElement[] = [
    html(
      doc,
      'p',
      {},
      button('Expire the access token now', () =>
        say(
          hub.expireEverywhere()
            ? 'Access token expired in every tab with the devtools.'
            : 'Nothing expired: no session, or a refresh is on its way or backing off.',
        ),
      ),
    ),
  ]
  if (refresh) {
    const select = html(doc, 'select', {}, ...REFRESH_FAULTS.map((fault) => html(doc, 'option', { value: fault }, fault)))
    select.addEventListener('change', () => refresh.set(select.value as RefreshFault))
    const once = (fault: RefreshFault, text: string, answer: string) =>
      button(text, () => (refresh.next(fault), say(`The next refresh request of this tab gets ${answer}.`)))
    rows.push(
      html(
        doc,
        'p',
        {},
        ...labelled('fault', 'Refresh endpoint (this tab) ', select),
        ' ',
        once('down', 'Fail the next refresh (503)', '503'),
        ' ',
        once('rejected', 'Refuse the next refresh (401)', '401 invalid_grant'),
      ),
    )
  }
  const seconds = number(10)
  rows.push(
    html(
      doc,
      'p',
      {},
      ...labelled('offline', 'Offline for (s) ', seconds),
      ' ',
      button('Go offline', () => {
        const ms = Number(seconds.value) * 1000
        if (!(ms > 0)) return void say('Offline for how many seconds? A positive number.')
        online?.()
        clearTimeout(backOnline)
        online = goOffline(ms)
        backOnline = setTimeout(() => say('Online again.'), ms)
        say(`This tab is offline until ${clock(Date.now() + ms)}.`)
      }),
    ),
  )
  if (api !== undefined) {
    const count = number(5, 100)
    rows.push(
      html(
        doc,
        'p',
        {},
        ...labelled('parallel', 'Parallel requests ', count),
        ' ',
        button('Send requests that get 401', () => {
          say(`Sending ${count.value} requests…`)
          sendParallel401s(auth, { url: api, count: Number(count.value) }).then(
            (statuses) => say(`${statuses.length} requests answered ${[...new Set(statuses)].join(', ')} after their 401.`),
            // A TypeError is this library's own word on the count; anything else says its code only.
            (error: unknown) =>
              say(error instanceof TypeError ? error.message : `The requests failed: ${errorFields(error).code ?? 'error'}.`),
          )
        }),
      ),
    )
  }
  rows.push(
    html(
      doc,
      'p',
      {},
      button('Open a new tab', () => (openNewTab(), say('Opened this page in a new tab.'))),
    ),
  )

  return {
    body: html(doc, 'div', { class: 'jts-faults' }, ...rows, status),
    uninstall() {
      clearTimeout(backOnline)
      online?.()
      refresh?.uninstall()
    },
  }
}
