// Dev-only faults of the network: what the app does when the refresh endpoint is down, refuses, is
// unreachable or slow (now, or for the next refresh only), and when the whole tab is offline for a
// while. They act only through the one hook installed here, a wrapper around this tab's global
// `fetch` (fetchHook.ts; the refresh adapters call the global fetch at call time); the engine
// carries no hook for them, and undoing each puts the page's fetch back.
import { hookFetch, urlOf } from './fetchHook'

/** `down`: 503; `rejected`: 401 `invalid_grant`; `offline`: the network error a browser gives; `slow`: 5 s late. */
export type RefreshFault = 'none' | 'down' | 'rejected' | 'offline' | 'slow'

export const REFRESH_FAULTS: readonly RefreshFault[] = ['none', 'down', 'rejected', 'offline', 'slow']

export interface Faults {
  readonly fault: RefreshFault
  /** The fault of every refresh request from now on. */
  set(fault: RefreshFault): void
  /** The fault of the next refresh request only; the ones after it get `fault` again. */
  next(fault: RefreshFault): void
  /** Puts back the fetch that was there before (if nothing wrapped it since). */
  uninstall(): void
}

export interface FaultOptions {
  /** The refresh endpoint: a URL ending (`/auth/refresh`) or a pattern of the whole URL. */
  url: string | RegExp
  /** How late `slow` answers, in ms (default 5 000). */
  slowBy?: number
}

/** What a browser throws when the network is gone. */
const networkError = () => new TypeError('Failed to fetch')

const checked = (fault: RefreshFault, call: string): RefreshFault => {
  if (!REFRESH_FAULTS.includes(fault)) throw new TypeError(`faults.${call}(): one of ${REFRESH_FAULTS.join(', ')}.`)
  return fault
}

/** Installs the faults of this tab's refresh requests; the fault is `none` until `set` or `next`. */
export function installFaults({ url, slowBy = 5_000 }: FaultOptions): Faults {
  if (typeof url !== 'string' && !(url instanceof RegExp)) throw new TypeError('installFaults({ url }): url must be a string or a RegExp.')
  const matches = (target: string) => (typeof url === 'string' ? target.split(/[?#]/)[0]!.endsWith(url) : url.test(target))
  let fault: RefreshFault = 'none'
  let once: RefreshFault | null = null
  const uninstall = hookFetch(async (input, init, next) => {
    if (!matches(urlOf(input))) return next(input, init)
    const now = once ?? fault
    once = null
    switch (now) {
      case 'none':
        return next(input, init)
      case 'down':
        return Response.json({ error: 'fault: endpoint down' }, { status: 503 })
      case 'rejected':
        return Response.json({ error: 'invalid_grant' }, { status: 401 })
      case 'offline':
        throw networkError()
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, slowBy))
        return next(input, init)
    }
  })
  return {
    get fault() {
      return fault
    },
    set: (chosen) => void (fault = checked(chosen, 'set')),
    next: (chosen) => void (once = checked(chosen, 'next')),
    uninstall() {
      fault = 'none'
      once = null
      uninstall()
    },
  }
}

/**
 * Takes this tab offline for `ms`: every request of its `fetch` (refreshes, APIs, logouts) fails
 * with the network error a browser gives, then they go through again. Returns the function that
 * comes back online early. Other tabs stay online.
 */
export function goOffline(ms: number): () => void {
  if (typeof ms !== 'number' || !(ms > 0) || !Number.isFinite(ms)) throw new TypeError('goOffline(ms): ms must be a positive number.')
  const online = hookFetch(() => Promise.reject(networkError()))
  const timer = setTimeout(online, ms)
  return () => {
    clearTimeout(timer)
    online()
  }
}
