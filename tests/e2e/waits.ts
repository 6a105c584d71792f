// Waiting on tabs: every wait is a condition polled inside the page (or, for what only the
// server knows, over HTTP), never a fixed sleep. Plus the small statistics the latency lines use.
import type { Page } from 'playwright-core'
import type { PageLogEntry } from './page/api'

/** Polling interval of every in-page wait; the latency figures come from in-page timestamps, not from this. */
export const POLL = 15

export function waitForStatus(page: Page, status: string, timeout = 10_000): Promise<unknown> {
  return page.waitForFunction((s) => window.e2e.snapshot().status === s, status, { polling: POLL, timeout })
}

/** Until the tab shows `token`, authenticated. */
export function waitForToken(page: Page, token: string, timeout = 10_000): Promise<unknown> {
  return page.waitForFunction((t) => window.e2e.snapshot().status === 'authenticated' && window.e2e.snapshot().accessToken === t, token, {
    polling: POLL,
    timeout,
  })
}

/** Until the tab is authenticated in login `sessionId`, with whatever token it is at by then. */
export function waitForLogin(page: Page, sessionId: string, timeout = 10_000): Promise<unknown> {
  return page.waitForFunction(
    (id) => window.e2e.snapshot().status === 'authenticated' && window.e2e.snapshot().sessionId === id,
    sessionId,
    {
      polling: POLL,
      timeout,
    },
  )
}

/** Until the tab is authenticated with a token other than `old`; resolves to the new token. */
export async function waitForNewToken(page: Page, old: string, timeout = 15_000): Promise<string> {
  const handle = await page.waitForFunction(
    (o) => {
      const { status, accessToken } = window.e2e.snapshot()
      return status === 'authenticated' && accessToken !== null && accessToken !== o ? accessToken : false
    },
    old,
    { polling: POLL, timeout },
  )
  return (await handle.jsonValue()) as string
}

/** Until the tab has shown at least `count` distinct access tokens (the login one counts). */
export function waitForTokenCount(page: Page, count: number, timeout = 30_000): Promise<unknown> {
  return page.waitForFunction((n) => window.e2e.tokens().length >= n, count, { polling: POLL, timeout })
}

/** Until the tab's log holds at least `count` entries of `type`. */
export function waitForLog(page: Page, type: string, count = 1, timeout = 10_000): Promise<unknown> {
  return page.waitForFunction(([t, n]) => window.e2e.log().filter((e) => e.type === t).length >= n, [type, count] as const, {
    polling: POLL,
    timeout,
  })
}

export function pageLog(page: Page): Promise<PageLogEntry[]> {
  return page.evaluate(() => window.e2e.log())
}

/** For conditions only the server can answer (its counters, its view of a request). */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, POLL))
  }
}

export function median(values: number[]): number {
  return percentile(values, 50)
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** One line for the CI log: `label: median 12.3 ms, p90 20.1 ms (n=5)`. */
export function formatLatency(label: string, values: number[]): string {
  return `[latency] ${label}: median ${median(values).toFixed(1)} ms, p90 ${percentile(values, 90).toFixed(1)} ms (n=${values.length})`
}
