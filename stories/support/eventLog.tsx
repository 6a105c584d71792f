import { useCallback, useState } from 'react'
import type { AuthEvent } from '../../src'

export interface LoggedEvent {
  id: number
  type: AuthEvent['type']
  text: string
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** One line per event; events never carry a token, so nothing here can leak one. */
export function describeEvent(event: AuthEvent): string {
  switch (event.type) {
    case 'refresh_scheduled':
      return `refresh_scheduled in ${seconds(event.in)}`
    case 'refresh_failed': {
      const status = event.error.status === undefined ? '' : ` HTTP ${event.error.status}`
      const retry = event.retryIn === null ? 'no retry' : `retry in ${seconds(event.retryIn)}`
      return `refresh_failed (${event.error.code}${status}) · ${retry}`
    }
    case 'logged_out':
      return `logged_out (${event.reason})${event.fromOtherTab ? ' from another tab' : ''}`
    case 'session_adopted':
      return `session_adopted (${event.from})`
    case 'refresh_skipped':
      return `refresh_skipped (${event.reason})`
    default:
      return event.type
  }
}

const LIMIT = 40
let nextId = 0

/** Collects the client's events for display, newest first: pass `onEvent` to the AuthProvider. */
export function useEventLog() {
  const [events, setEvents] = useState<LoggedEvent[]>([])
  const onEvent = useCallback((event: AuthEvent) => {
    const entry = { id: ++nextId, type: event.type, text: describeEvent(event) }
    setEvents((previous) => [entry, ...previous.slice(0, LIMIT - 1)])
  }, [])
  return { events, onEvent }
}

export function EventLog({ events, label = 'Event log' }: { events: LoggedEvent[]; label?: string }) {
  return (
    <section className="panel" aria-label={label}>
      <h3>{label}</h3>
      {events.length === 0 ? (
        <p className="muted">No events yet.</p>
      ) : (
        <ol className="log" reversed>
          {events.map((event) => (
            <li key={event.id} data-event={event.type}>
              {event.text}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
