// The devtools tests' BroadcastChannel: clients of one test talk over it as tabs of one browser do.
import type { ChannelFactory } from '../../../src/core'

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
