import { useCallback, useState } from 'react'
import type { AuthEvent } from '../../src'
import { describeEvent } from '../../examples/shared/app'

export interface LoggedEvent {
  id: number
  type: AuthEvent['type']
  text: string
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
