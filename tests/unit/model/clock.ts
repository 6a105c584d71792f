// The session model's virtual time: timers fire in order, each one's effects (server handling
// included) finish before the next, and a sleep holds every timer back while the clocks move on.

/** A browser runs no more timers than this within one `advance` unless something loops. */
const MAX_TIMER_FIRES = 20_000

interface Timer {
  at: number
  seq: number
  run: () => void
}

export class VirtualClock {
  vt = 0
  /** Virtual time spent asleep (no timer ran), which no promise's settling is measured against. */
  slept = 0
  readonly violations: string[] = []
  private queue: Timer[] = []
  private seq = 0
  /** Real async work under way (the server handling a request), which `idle` waits for. */
  protected serving = 0
  protected serveTail: Promise<unknown> = Promise.resolve()

  schedule(ms: number, run: () => void): Timer {
    const timer = { at: this.vt + Math.max(0, Number.isFinite(ms) ? ms : 0), seq: ++this.seq, run }
    let i = this.queue.length
    while (i > 0 && (this.queue[i - 1]!.at > timer.at || (this.queue[i - 1]!.at === timer.at && this.queue[i - 1]!.seq > timer.seq))) i--
    this.queue.splice(i, 0, timer)
    return timer
  }

  cancel(timer: unknown): void {
    const i = this.queue.indexOf(timer as Timer)
    if (i >= 0) this.queue.splice(i, 1)
  }

  /** Waits until no real async work (server handling, microtasks) is left. */
  async idle(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve))
      if (this.serving > 0) {
        await this.serveTail
        continue
      }
      await new Promise((resolve) => setImmediate(resolve))
      if (this.serving === 0) return
    }
  }

  /** Lets `ms` of virtual time pass, firing timers in order and letting each one's effects finish. */
  async advance(ms: number, until?: () => boolean): Promise<void> {
    const target = this.vt + ms
    await this.idle()
    let fires = 0
    for (;;) {
      const next = this.queue[0]
      if (!next || next.at > target || until?.()) break
      this.queue.shift()
      this.vt = next.at
      next.run()
      await this.idle()
      if (++fires > MAX_TIMER_FIRES) {
        this.violations.push(`livelock: more than ${MAX_TIMER_FIRES} timers fired within ${ms} ms at t=${this.vt}`)
        this.queue.length = 0
        break
      }
    }
    if (!until?.()) this.vt = Math.max(this.vt, target)
    await this.idle()
  }

  protected delay(ms: number, signal?: AbortSignal | null): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const onAbort = () => {
        this.cancel(timer)
        reject(signal!.reason)
      }
      const timer = this.schedule(ms, () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      })
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** A laptop sleep of `ms`: time passes and no timer runs meanwhile (each waits as long again). */
  protected pauseTimers(ms: number): void {
    this.vt += ms
    this.slept += ms
    for (const timer of this.queue) timer.at += ms
  }
}
