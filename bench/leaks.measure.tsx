// Mounts and unmounts <AuthProvider> many times, then counts what is still alive: fake timers,
// page listeners (window and document) and BroadcastChannels. Each should be back to its baseline.
import { cleanup, render } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterEach, beforeEach, it, vi } from 'vitest'
import { createAuthClient } from '../src/core/client'
import { AuthProvider } from '../src/react'
import { createMemoryStorage, createTestJwt } from '../src/testing'
import { useFakeClock } from '../tests/support/session'
import { report } from './report'

const CYCLES = 1_000

beforeEach(() => useFakeClock())
afterEach(() => {
  cleanup()
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

type Registration = { target: EventTarget; type: string; listener: unknown; capture: boolean }

/** Listeners registered on window and document now: adds minus the removes that matched one. */
function trackPageListeners(): () => number {
  const live: Registration[] = []
  const capture = (options: unknown) =>
    typeof options === 'boolean' ? options : Boolean((options as { capture?: boolean } | undefined)?.capture)
  const find = (r: Registration) =>
    live.findIndex((l) => l.target === r.target && l.type === r.type && l.listener === r.listener && l.capture === r.capture)
  for (const target of [window, document] as EventTarget[]) {
    const add = target.addEventListener.bind(target)
    const remove = target.removeEventListener.bind(target)
    vi.spyOn(target, 'addEventListener').mockImplementation((type, listener, options) => {
      const r = { target, type, listener, capture: capture(options) }
      if (listener && find(r) < 0) live.push(r) // a duplicate add is ignored by the DOM too
      add(type, listener, options)
    })
    vi.spyOn(target, 'removeEventListener').mockImplementation((type, listener, options) => {
      const i = find({ target, type, listener, capture: capture(options) })
      if (i >= 0) live.splice(i, 1)
      remove(type, listener, options)
    })
  }
  return () => live.length
}

/** BroadcastChannels opened and not yet closed (the client's default cross-tab channel). */
function trackChannels(): () => number {
  let open = 0
  const Base = globalThis.BroadcastChannel
  if (!Base) return () => 0
  class Counted extends Base {
    #closed = false
    constructor(name: string) {
      super(name)
      open++
    }
    override close() {
      if (!this.#closed) open--
      this.#closed = true
      super.close()
    }
  }
  vi.stubGlobal('BroadcastChannel', Counted)
  return () => open
}

function storageWithSession() {
  const storage = createMemoryStorage()
  const writer = createAuthClient({ refresh: async () => ({ accessToken: '' }), storage, channel: null, locks: null })
  writer.login({ accessToken: createTestJwt({ sub: 'kim' }), refreshToken: 'rt-0' })
  return storage
}

const variants = {
  'owns its client (options, StrictMode)': () => {
    const storage = storageWithSession()
    const refresh = async () => ({ accessToken: createTestJwt({ sub: 'kim' }), refreshToken: 'rt' })
    return () => (
      <StrictMode>
        <AuthProvider refresh={refresh} storage={storage}>
          <p>app</p>
        </AuthProvider>
      </StrictMode>
    )
  },
  'given a client': () => {
    const client = createAuthClient({
      refresh: async () => ({ accessToken: createTestJwt({ sub: 'kim' }) }),
      storage: storageWithSession(),
    })
    return () => (
      <AuthProvider client={client}>
        <p>app</p>
      </AuthProvider>
    )
  },
}

for (const [name, setup] of Object.entries(variants)) {
  it(`leaves nothing behind after ${CYCLES} mounts: ${name}`, () => {
    const listeners = trackPageListeners()
    const channels = trackChannels()
    const app = setup()
    // React DOM adds a document `selectionchange` listener with its first root, for good.
    render(<p>warm-up</p>).unmount()
    const before = { timers: vi.getTimerCount(), listeners: listeners(), channels: channels() }
    let mounted = { timers: 0, listeners: 0, channels: 0 }
    for (let i = 0; i < CYCLES; i++) {
      const { unmount } = render(app())
      if (i === 0) mounted = { timers: vi.getTimerCount(), listeners: listeners(), channels: channels() }
      unmount()
    }
    const after = { timers: vi.getTimerCount(), listeners: listeners(), channels: channels() }
    const detail = (key: keyof typeof before) =>
      `baseline ${before[key]}, ${mounted[key]} while mounted, ${after[key]} after ${CYCLES} cycles`
    report(`leaks.timers.${name}`, after.timers - before.timers, detail('timers'))
    report(`leaks.listeners.${name}`, after.listeners - before.listeners, detail('listeners'))
    report(`leaks.channels.${name}`, after.channels - before.channels, detail('channels'))
  })
}
