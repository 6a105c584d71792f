import { act, cleanup, render, renderHook, screen } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, type AuthClient } from '../../../src/core/client'
import { AuthError } from '../../../src/core/errors'
import { AuthProvider, RequireAuth, useAuth, useAuthClient, useAuthFetch, useRequireAuth, type UseAuthResult } from '../../../src/react'
import { createTabHarness } from '../../../src/testing'
import { T0, loginPair, refreshSpy, standaloneOptions, storageWithSession, useFakeClock } from '../../support/session'

beforeEach(() => useFakeClock())
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

const WAKE_EVENTS = ['visibilitychange', 'online', 'pagehide', 'pageshow']

/** Net count of page listeners per wake event type: adds minus removes on window and document. */
function trackPageListeners() {
  const adds = [vi.spyOn(window, 'addEventListener'), vi.spyOn(document, 'addEventListener')]
  const removes = [vi.spyOn(window, 'removeEventListener'), vi.spyOn(document, 'removeEventListener')]
  const count = (spies: typeof adds, type: string) => spies.reduce((sum, spy) => sum + spy.mock.calls.filter(([t]) => t === type).length, 0)
  return {
    active: () => Object.fromEntries(WAKE_EVENTS.map((type) => [type, count(adds, type) - count(removes, type)])),
    added: () => WAKE_EVENTS.reduce((sum, type) => sum + count(adds, type), 0),
  }
}

function Status() {
  const status = useAuth((s) => s.status)
  const sub = useAuth((s) => s.claims?.sub)
  return <p>{`${status}:${sub ?? '-'}`}</p>
}

describe('StrictMode', () => {
  it('refreshes an expired stored session exactly once, keeps one set of page listeners and leaves zero timers after unmount', async () => {
    const storage = storageWithSession({ sub: 'kim' }, 60)
    vi.setSystemTime(T0 + 120_000)
    const refresh = refreshSpy(900, { sub: 'kim' })
    const listeners = trackPageListeners()

    const { unmount } = render(
      <StrictMode>
        <AuthProvider {...createTabHarness().tab()} storage={storage} refresh={refresh} random={() => 0.5}>
          <Status />
        </AuthProvider>
      </StrictMode>,
    )
    expect(screen.getByText('initializing:-')).toBeTruthy()
    // The other tabs are asked first: one of them may hold a newer pair than this stored copy.
    await act(() => vi.advanceTimersByTimeAsync(299))
    expect(refresh).not.toHaveBeenCalled()
    await act(() => vi.advanceTimersByTimeAsync(1))

    expect(refresh).toHaveBeenCalledTimes(1)
    expect(refresh.mock.calls[0]![0]).toMatchObject({ refreshToken: 'rt-0' })
    expect(screen.getByText('authenticated:kim')).toBeTruthy()
    expect(listeners.active()).toEqual({ visibilitychange: 1, online: 1, pagehide: 1, pageshow: 1 })
    expect(vi.getTimerCount()).toBe(1) // the next silent refresh

    unmount()
    expect(listeners.active()).toEqual({ visibilitychange: 0, online: 0, pagehide: 0, pageshow: 0 })
    expect(vi.getTimerCount()).toBe(0)
    await act(() => vi.advanceTimersByTimeAsync(3_600_000))
    expect(refresh).toHaveBeenCalledTimes(1)
  })

  it('starts a given client once on mount (net of the StrictMode re-run) and stops it on unmount', () => {
    const client = createAuthClient(standaloneOptions().options)
    const start = vi.spyOn(client, 'start')
    const stop = vi.spyOn(client, 'stop')
    const { unmount } = render(
      <StrictMode>
        <AuthProvider client={client}>
          <Status />
        </AuthProvider>
      </StrictMode>,
    )
    expect(start.mock.calls.length - stop.mock.calls.length).toBe(1)
    unmount()
    expect(start.mock.calls.length - stop.mock.calls.length).toBe(0)
  })
})

describe('client from options', () => {
  it('creates the client once: later option changes keep the same client and storage key', () => {
    const { options } = standaloneOptions({ storageKey: 'first' })
    const seen: unknown[] = []
    function Probe() {
      seen.push(useAuthClient())
      return null
    }
    const { rerender } = render(
      <AuthProvider {...options}>
        <Probe />
      </AuthProvider>,
    )
    rerender(
      <AuthProvider {...options} storageKey="second">
        <Probe />
      </AuthProvider>,
    )
    expect(seen).toHaveLength(2)
    expect(seen[1]).toBe(seen[0])
    act(() => (seen[0] as AuthClient).login(loginPair()))
    expect(options.storage!.getItem('first')).not.toBeNull()
    expect(options.storage!.getItem('second')).toBeNull()
  })

  it('calls the latest onEvent and refresh props, not the ones from the first render', async () => {
    const { options } = standaloneOptions()
    const [firstEvent, laterEvent] = [vi.fn(), vi.fn()]
    const [firstRefresh, laterRefresh] = [refreshSpy(), refreshSpy()]
    const seen: UseAuthResult[] = []
    function Probe() {
      seen.push(useAuth())
      return null
    }
    const { rerender } = render(
      <AuthProvider {...options} onEvent={firstEvent} refresh={firstRefresh}>
        <Probe />
      </AuthProvider>,
    )
    rerender(
      <AuthProvider {...options} onEvent={laterEvent} refresh={laterRefresh}>
        <Probe />
      </AuthProvider>,
    )
    act(() => seen[0]!.login(loginPair()))
    await act(() => seen[0]!.refresh())
    expect(firstEvent).toHaveBeenCalledTimes(0)
    expect(laterEvent).toHaveBeenCalledWith({ type: 'logged_in' })
    expect(firstRefresh).toHaveBeenCalledTimes(0)
    expect(laterRefresh).toHaveBeenCalledTimes(1)
  })
})

describe('outside a provider', () => {
  it.each<[string, () => unknown]>([
    ['useAuth', () => useAuth()],
    ['useAuthClient', () => useAuthClient()],
    ['useAuthFetch', () => useAuthFetch()],
    ['useRequireAuth', () => useRequireAuth()],
  ])('%s throws AuthError no_provider naming the fix', (name, hook) => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    let caught: unknown
    try {
      renderHook(hook)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(AuthError)
    expect(caught).toMatchObject({ code: 'no_provider' })
    expect((caught as Error).message).toContain(`${name}()`)
    expect((caught as Error).message).toMatch(/Wrap your app in <AuthProvider/)
  })

  it('<RequireAuth> outside a provider throws no_provider too', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(() => render(<RequireAuth>secret</RequireAuth>)).toThrow(expect.objectContaining({ code: 'no_provider' }))
  })
})
