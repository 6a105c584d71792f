// The one way the checker sends a request: to the checked origin only, at most MAX_REQUESTS times
// a run, never following a redirect (which could lead elsewhere), each with a timeout.
import { CheckServerError } from './types'

/** Every request of a run, nonce retries included: a run that needs more stops at this one. */
export const MAX_REQUESTS = 60
const REQUEST_TIMEOUT_MS = 10_000

export interface Exchange {
  status: number
  headers: Headers
  /** The JSON object answered, if any. Kept in memory only: it may hold tokens. */
  body: Record<string, unknown> | undefined
}

export interface Transport {
  send(url: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<Exchange>
  count(): number
}

export function createTransport(origin: string, limit = MAX_REQUESTS): Transport {
  let sent = 0
  return {
    async send(url, init) {
      if (new URL(url).origin !== origin)
        throw new CheckServerError('foreign_origin', `checkServer: refused to send to another origin than ${origin}`)
      if (sent >= limit) throw new CheckServerError('request_limit', `checkServer: stopped at its bound of ${limit} requests`)
      sent++
      const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      const text = await response.text()
      let body: Record<string, unknown> | undefined
      try {
        const value: unknown = text === '' ? undefined : JSON.parse(text)
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) body = value as Record<string, unknown>
      } catch {
        body = undefined
      }
      return { status: response.status, headers: response.headers, body }
    },
    count: () => sent,
  }
}

/** The `error` code of an answer when it is a short code, for a detail line; never any other body text. */
export function errorCode(exchange: Exchange): string {
  const code = exchange.body?.error
  return typeof code === 'string' && /^[a-z0-9_.-]{1,40}$/i.test(code) ? ` ${code}` : ''
}

export const isSuccess = (status: number) => status >= 200 && status < 300
