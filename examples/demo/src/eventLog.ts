import { useSyncExternalStore } from 'react'
import type { AuthEvent } from 'jwt-tab-session'
import { eventDetail } from '../../shared/app'

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
  entries = [{ id: nextId++, at: Date.now(), type: event.type, detail: eventDetail(event) }, ...entries].slice(0, LIMIT)
  listeners.forEach((listener) => listener())
}

export function useEventLog(): readonly LogEntry[] {
  return useSyncExternalStore(subscribe, () => entries)
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => void listeners.delete(listener)
}
