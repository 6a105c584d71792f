/** One figure for scripts/bench.mjs, which parses these lines out of Vitest's output. */
export function report(metric: string, value: number, detail?: string): void {
  console.log(`BENCH ${JSON.stringify({ metric, value, detail })}`)
}
