// Dev-only faults: what the app does when the refresh endpoint is down, refuses, is unreachable or
// slow. They act only through the one hook installed here, a wrapper around this tab's global
// `fetch` for the URLs given (the refresh adapters call the global fetch at call time); the engine
// carries no hook for them, and uninstalling puts the page's fetch back.

/** `down`: 503; `rejected`: 401 `invalid_grant`; `offline`: the network error a browser gives; `slow`: 5 s late. */
export type RefreshFault = 'none' | 'down' | 'rejected' | 'offline' | 'slow'

export const REFRESH_FAULTS: readonly RefreshFault[] = ['none', 'down', 'rejected', 'offline', 'slow']

export interface Faults {
  readonly fault: RefreshFault
  set(fault: RefreshFault): void
  /** Puts back the fetch that was there before (if nothing wrapped it since). */
  uninstall(): void
}

export interface FaultOptions {
  /** The refresh endpoint: a URL ending (`/auth/refresh`) or a pattern of the whole URL. */
  url: string | RegExp
  /** How late `slow` answers, in ms (default 5 000). */
  slowBy?: number
}

const urlOf = (input: RequestInfo | URL): string => (typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)

/** Installs the faults of this tab's refresh requests; the fault is `none` until `set`. */
export function installFaults({ url, slowBy = 5_000 }: FaultOptions): Faults {
  if (typeof url !== 'string' && !(url instanceof RegExp)) throw new TypeError('installFaults({ url }): url must be a string or a RegExp.')
  const original = globalThis.fetch
  const matches = (target: string) => (typeof url === 'string' ? target.split(/[?#]/)[0]!.endsWith(url) : url.test(target))
  let fault: RefreshFault = 'none'
  const faulty: typeof fetch = async (input, init) => {
    if (fault === 'none' || !matches(urlOf(input))) return original(input, init)
    switch (fault) {
      case 'down':
        return new Response(JSON.stringify({ error: 'fault: endpoint down' }), {
          status: 503,
          headers: { 'content-type': 'application/json' },
        })
      case 'rejected':
        return new Response(JSON.stringify({ error: 'invalid_grant' }), { status: 401, headers: { 'content-type': 'application/json' } })
      case 'offline':
        throw new TypeError('Failed to fetch')
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, slowBy))
        return original(input, init)
    }
  }
  globalThis.fetch = faulty
  return {
    get fault() {
      return fault
    },
    set(next) {
      if (!REFRESH_FAULTS.includes(next)) throw new TypeError(`faults.set(): one of ${REFRESH_FAULTS.join(', ')}.`)
      fault = next
    },
    uninstall() {
      fault = 'none'
      if (globalThis.fetch === faulty) globalThis.fetch = original
    },
  }
}
