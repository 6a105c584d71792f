import { vi } from 'vitest'

/** One figure for scripts/bench.mjs, which parses these lines out of Vitest's output. */
export function report(metric: string, value: number, detail?: string): void {
  console.log(`BENCH ${JSON.stringify({ metric, value, detail })}`)
}

export const T0 = Date.UTC(2026, 0, 1, 12)

/** Fakes only the timers the client uses; React's scheduler (setImmediate) keeps running. */
export function useFakeClock(now = T0): void {
  vi.useFakeTimers({ now, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
}
