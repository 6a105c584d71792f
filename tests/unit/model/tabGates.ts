// A tab's view of the browser the tabs share: the channel hub and the lock manager, gated so a
// frozen tab hears and gets nothing until it thaws, and a closed tab nothing ever again.
import type { LockManagerLike } from '../../../src/core/lock'
import type { ChannelFactory, ChannelLike } from '../../../src/core/tabs'
import type { Tab } from './world'

/** The tab's end of the harness channel: deliveries wait while the tab is frozen, stop when it closes. */
export function gatedChannel(factory: ChannelFactory, tab: Tab, deliver: (run: () => void) => void): ChannelFactory {
  return (name) => {
    const port = factory(name)
    if (!port) return null
    const wrapped = new Map<unknown, (event: { data: unknown }) => void>()
    const gated: ChannelLike = {
      postMessage: (message) => {
        if (!tab.closed) port.postMessage(message)
      },
      addEventListener: (type, listener) => {
        const inner = (event: { data: unknown }) => deliver(() => listener(event))
        wrapped.set(listener, inner)
        port.addEventListener(type, inner)
      },
      removeEventListener: (type, listener) => {
        const inner = wrapped.get(listener)
        if (inner) port.removeEventListener(type, inner)
        wrapped.delete(listener)
      },
      close: () => port.close(),
    }
    return gated
  }
}

/**
 * The tab's view of the browser's lock manager: a grant waits while the tab is frozen (the lock
 * stays held meanwhile, as a frozen tab's would), and every lock the tab holds is released when
 * it closes. `query` answers after `answerLate`; `mode` and `steal` pass through to the harness.
 */
export function gatedLocks(
  locks: LockManagerLike,
  tab: Tab,
  deliver: (run: () => void) => void,
  answerLate: () => Promise<void> = () => Promise.resolve(),
): LockManagerLike {
  const runnable = () => tab.runnable()
  const gated = {
    request<T>(name: string, options: Parameters<LockManagerLike['request']>[1], callback: (lock: unknown) => Promise<T> | T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        locks
          .request(name, options, async (lock) => {
            await runnable()
            if (tab.closed) return undefined as T
            if (lock) tab.locksHeld.push(name)
            try {
              return await Promise.race([Promise.resolve().then(() => callback(lock)), tab.closedPromise.then(() => undefined as T)])
            } finally {
              if (lock) tab.locksHeld.splice(tab.locksHeld.indexOf(name), 1)
            }
          })
          .then(
            (value) => deliver(() => resolve(value)),
            (error: unknown) => deliver(() => reject(error)),
          )
      })
    },
  } as LockManagerLike
  const query = (locks as Partial<LockManagerLike>).query
  // A snapshot taken when asked, answered a moment later (a round trip to the browser): the locks
  // may have changed by the time the tab reads it. Like a grant, it waits while the tab is frozen
  // and never reaches a closed tab.
  if (query)
    (gated as { query: unknown }).query = () =>
      new Promise((resolve, reject) => {
        query.call(locks).then(
          async (snapshot) => {
            await answerLate()
            deliver(() => resolve(snapshot))
          },
          (error: unknown) => deliver(() => reject(error)),
        )
      })
  return gated
}
