import { useSyncExternalStore } from 'react'
import type { AuthEvent } from 'react-jwt-session'

export interface LogEntry {
  id: number
  at: number
  type: AuthEvent['type']
  detail: string
}

const LIMIT = 30

// A tiny store outside React: the client reports events from timers and other tabs, not only
// from renders, and every component that shows the log reads the same list.
let entries: readonly LogEntry[] = []
let nextId = 1
const listeners = new Set<() => void>()

export function recordEvent(event: AuthEvent): void {
  entries = [{ id: nextId++, at: Date.now(), type: event.type, detail: describe(event) }, ...entries].slice(0, LIMIT)
  listeners.forEach((listener) => listener())
}

export function useEventLog(): readonly LogEntry[] {
  return useSyncExternalStore(subscribe, () => entries)
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => void listeners.delete(listener)
}

/** The few fields worth a glance. Events never carry a token; this still picks fields by name. */
function describe(event: AuthEvent): string {
  switch (event.type) {
    case 'logged_out':
      return `${event.reason}${event.fromOtherTab ? ', from another tab' : ''}`
    case 'session_adopted':
      return `${event.from} after ${event.waited} ms`
    case 'handoff_timeout':
      return `no other tab answered in ${event.waited} ms`
    case 'refresh_scheduled':
      return `in ${Math.round(event.in / 1000)} s`
    case 'refresh_succeeded':
      return `valid until ${new Date(event.expiresAt).toLocaleTimeString()}`
    case 'refresh_skipped':
      return event.reason
    case 'refresh_failed':
      return `${event.error.code}${event.retryIn === null ? '' : `, retry in ${Math.round(event.retryIn / 1000)} s`}`
    case 'storage_unavailable':
    case 'revoke_failed':
      return event.error.code
    default:
      return ''
  }
}
