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
  let tabs = 0
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
    tab: () => ({ storage: createMemoryStorage(), channel, locks: locks.forClient(`tab-${++tabs}`) }),
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

/**
 * An in-process Web Locks manager: exclusive and shared modes, requests granted in order,
 * `ifAvailable`, `signal`, `steal` and `query()`, as `navigator.locks` behaves between tabs.
 * `forClient(id)` is the same manager as one tab sees it: `query()` names each lock's `clientId`.
 */
export function createLockManager(clientId = 'default'): LockManagerLike & {
  held(name: string): boolean
  forClient(clientId: string): LockManagerLike
} {
  interface Holder {
    mode: 'exclusive' | 'shared'
    clientId: string
    steal(): void
  }
  interface Waiter {
    mode: 'exclusive' | 'shared'
    clientId: string
    grant(): void
  }
  const holders = new Map<string, Set<Holder>>()
  const queues = new Map<string, Waiter[]>()

  const holdersOf = (name: string) => holders.get(name) ?? holders.set(name, new Set()).get(name)!
  const queueOf = (name: string) => queues.get(name) ?? queues.set(name, []).get(name)!
  const grantable = (name: string, mode: Holder['mode']) => {
    const now = holdersOf(name)
    return now.size === 0 || (mode === 'shared' && [...now].every((h) => h.mode === 'shared'))
  }

  function pump(name: string): void {
    const queue = queueOf(name)
    while (queue.length > 0 && grantable(name, queue[0]!.mode)) queue.shift()!.grant()
  }

  const manager = (clientId: string): LockManagerLike => ({
    async query() {
      const held = [...holders].flatMap(([name, set]) => [...set].map(({ mode, clientId }) => ({ name, mode, clientId })))
      const pending = [...queues].flatMap(([name, queue]) => queue.map(({ mode, clientId }) => ({ name, mode, clientId })))
      return { held, pending }
    },
    request(name, options, callback) {
      const mode = options.mode ?? 'exclusive'
      return new Promise((resolve, reject) => {
        const run = () => {
          let settled = false
          const holder: Holder = {
            mode,
            clientId,
            steal() {
              holdersOf(name).delete(holder)
              settled = true
              reject(new DOMException('The lock was stolen.', 'AbortError'))
            },
          }
          holdersOf(name).add(holder)
          Promise.resolve()
            .then(() => callback({ name, mode }))
            .then(
              (value) => settled || resolve(value),
              (error) => settled || reject(error),
            )
            .finally(() => {
              if (holdersOf(name).delete(holder)) pump(name)
            })
        }
        if (options.steal) {
          holdersOf(name).forEach((holder) => holder.steal())
          return run()
        }
        if (grantable(name, mode) && queueOf(name).length === 0) return run()
        if (options.ifAvailable)
          return Promise.resolve()
            .then(() => callback(null))
            .then(resolve, reject)
        const waiter: Waiter = { mode, clientId, grant: run }
        queueOf(name).push(waiter)
        options.signal?.addEventListener('abort', () => {
          const queue = queueOf(name)
          const index = queue.indexOf(waiter)
          if (index < 0) return
          queue.splice(index, 1)
          reject(options.signal?.reason ?? new DOMException('Aborted', 'AbortError'))
        })
      })
    },
  })

  return { ...manager(clientId), held: (name) => holdersOf(name).size > 0, forClient: manager }
}
