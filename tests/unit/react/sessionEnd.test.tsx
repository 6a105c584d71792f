import { act, cleanup, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../../src/core/client'
import { AuthProvider, RequireAuth } from '../../../src/react'
import { createTabHarness } from '../../../src/testing'
import { loginPair, refreshSpy, useFakeClock } from '../../support/session'

beforeEach(() => useFakeClock())
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

function twoTabs() {
  const harness = createTabHarness()
  const tab = () => createAuthClient({ refresh: refreshSpy(), ...harness.tab(), wakeEvents: () => () => {} })
  const [here, there] = [tab(), tab()]
  here.start()
  there.start()
  return { here, there }
}

describe('why the session ended', () => {
  it('keeps how the last session ended, and whether in another tab, until the next one starts', async () => {
    const { here, there } = twoTabs()
    expect(here.getSnapshot().ended).toBeNull()
    here.login(loginPair())
    await vi.advanceTimersByTimeAsync(0)
    await there.logout()
    await vi.advanceTimersByTimeAsync(0)
    expect(here.getSnapshot().ended).toEqual({ reason: 'user', fromOtherTab: true })
    expect(there.getSnapshot().ended).toEqual({ reason: 'user', fromOtherTab: false })
    there.login(loginPair())
    await vi.advanceTimersByTimeAsync(0)
    expect(here.getSnapshot()).toMatchObject({ status: 'authenticated', ended: null })
  })

  it('tells the guard: onUnauthenticated and a fallback function get the reason', async () => {
    const { here, there } = twoTabs()
    here.login(loginPair())
    await vi.advanceTimersByTimeAsync(0)
    const onUnauthenticated = vi.fn()
    render(
      <AuthProvider client={here}>
        <RequireAuth onUnauthenticated={onUnauthenticated} fallback={({ reason }) => `signed out: ${reason ?? 'never signed in'}`}>
          secret
        </RequireAuth>
      </AuthProvider>,
    )
    expect(screen.getByText('secret')).toBeTruthy()
    await act(() => there.logout({ everywhere: true }))
    await act(() => vi.advanceTimersByTimeAsync(0))
    expect(screen.getByText('signed out: everywhere')).toBeTruthy()
    expect(onUnauthenticated).toHaveBeenCalledExactlyOnceWith({ returnTo: '/', reason: 'everywhere' })
  })
})
