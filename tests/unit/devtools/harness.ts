// What the devtools tests share: a client on its own that the test drives, and a BroadcastChannel
// over which the clients of one test talk as tabs of one browser do.
import type { AuthClientOptions, ChannelFactory } from '../../../src/core'
import { createMemoryStorage } from '../../../src/testing'

/** The options of a client on its own whose timers never fire: the test sends each refresh and moves `now`. */
export function quietOptions(now: () => number) {
  return {
    storage: createMemoryStorage(),
    channel: null,
    locks: null,
    now,
    timers: { setTimeout: () => 0, clearTimeout: () => {} },
    wakeEvents: () => () => {},
  } satisfies Partial<AuthClientOptions>
}

/** Every message reaches the other open channels of its name, synchronously and structured-cloned. */
export function createBus(): ChannelFactory {
  const open = new Set<{ name: string; listeners: Set<(event: { data: unknown }) => void> }>()
  return (name) => {
    const self = { name, listeners: new Set<(event: { data: unknown }) => void>() }
    open.add(self)
    return {
      postMessage(data) {
        for (const other of open)
          if (other !== self && other.name === name) other.listeners.forEach((listener) => listener({ data: structuredClone(data) }))
      },
      addEventListener: (_type, listener) => void self.listeners.add(listener),
      removeEventListener: (_type, listener) => void self.listeners.delete(listener),
      close: () => void open.delete(self),
    }
  }
}
