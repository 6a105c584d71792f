import type { LockManagerLike } from '../core/lock'
import type { ChannelFactory, ChannelLike } from '../core/tabs'
import { createMemoryStorage } from './memoryStorage'

type Listener = (event: { data: unknown }) => void

/**
 * Several "tabs" in one test: each `tab()` gets its own storage (sessionStorage is per tab) and
 * shares one channel hub and one lock manager with the others, like tabs of one browser.
 * Messages are structured-cloned and delivered asynchronously, on a later microtask or, with
 * `latency`, after that many ms of (fake or real) timer time; locks are granted in request order.
 */
export function createTabHarness({ latency = 0 }: { latency?: number } = {}) {
  const channels = new Map<string, Set<Listener>>()
  const locks = createLockManager()
  let posted = 0

  const channel: ChannelFactory = (name) => {
    const peers = channels.get(name) ?? new Set<Listener>()
    channels.set(name, peers)
    const own = new Set<Listener>()
    const port: ChannelLike = {
      postMessage(message) {
        posted++
        const data = structuredClone(message)
        const receivers = Array.from(peers).filter((listener) => !own.has(listener))
        const deliver = () => receivers.forEach((listener) => peers.has(listener) && listener({ data }))
        if (latency > 0) setTimeout(deliver, latency)
        else void Promise.resolve().then(deliver)
      },
      addEventListener(_type, listener) {
        own.add(listener)
        peers.add(listener)
      },
      removeEventListener(_type, listener) {
        own.delete(listener)
        peers.delete(listener)
      },
      close() {
        own.forEach((listener) => peers.delete(listener))
        own.clear()
      },
    }
    return port
  }

  return {
    /** Options for one more tab: spread into createAuthClient. */
    tab: () => ({ storage: createMemoryStorage(), channel, locks }),
    /** Sends raw data on a channel, as foreign code on the same origin could. */
    inject(name: string, data: unknown) {
      channels.get(name)?.forEach((listener) => listener({ data }))
    },
    get messagesPosted() {
      return posted
    },
    locks,
  }
}

/** An in-process Web Locks manager (exclusive locks, FIFO, `ifAvailable` and `signal`). */
export function createLockManager(): LockManagerLike & { held(name: string): boolean } {
  const queues = new Map<string, Array<() => void>>()
  const heldNames = new Set<string>()

  function release(name: string): void {
    const next = queues.get(name)?.shift()
    if (next) next()
    else heldNames.delete(name)
  }

  return {
    held: (name) => heldNames.has(name),
    request(name, options, callback) {
      if (options.ifAvailable && heldNames.has(name)) return Promise.resolve(callback(null))
      return new Promise((resolve, reject) => {
        const run = () => {
          heldNames.add(name)
          Promise.resolve()
            .then(() => callback({ name }))
            .then(resolve, reject)
            .finally(() => release(name))
        }
        if (!heldNames.has(name)) return run()
        const queue = queues.get(name) ?? []
        queues.set(name, queue)
        queue.push(run)
        options.signal?.addEventListener('abort', () => {
          const index = queue.indexOf(run)
          if (index >= 0) queue.splice(index, 1)
          reject(options.signal?.reason ?? new DOMException('Aborted', 'AbortError'))
        })
      })
    },
  }
}
