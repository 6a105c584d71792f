import { act, cleanup, render, screen } from '@testing-library/react'
import { StrictMode, Suspense } from 'react'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../../src/core/client'
import { AuthProvider, useSuspenseAuth } from '../../../src/react'
import { createTabHarness } from '../../../src/testing'
import { loginPair, refreshSpy, useFakeClock } from '../../support/session'

beforeEach(() => useFakeClock())
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

it('suspends a new tab until the open tab hands its session over, and never renders initializing', async () => {
  const harness = createTabHarness()
  const tab = () => createAuthClient({ refresh: refreshSpy(), ...harness.tab(), wakeEvents: () => () => {} })
  const open = tab()
  open.start()
  open.login(loginPair({ sub: 'kim' }))
  const seen: string[] = []
  function Name() {
    const { status, claims } = useSuspenseAuth()
    seen.push(status)
    return <p>{`hello ${String(claims?.sub)}`}</p>
  }
  render(
    <StrictMode>
      <AuthProvider client={tab()}>
        <Suspense fallback={<p>loading</p>}>
          <Name />
        </Suspense>
      </AuthProvider>
    </StrictMode>,
  )
  expect(screen.getByText('loading')).toBeTruthy()
  await act(() => vi.advanceTimersByTimeAsync(0))
  expect(screen.getByText('hello kim')).toBeTruthy()
  expect(new Set(seen)).toEqual(new Set(['authenticated']))
  open.stop()
})

it('selects a slice once the session is known, and signed out is a known state too', async () => {
  const harness = createTabHarness()
  // locks: null: the tab waits out handoffTimeout (no marker locks to tell it at once that no tab holds a session).
  const lone = createAuthClient({ refresh: refreshSpy(), ...harness.tab(), locks: null, wakeEvents: () => () => {} })
  function Status() {
    return <p>{useSuspenseAuth((auth) => auth.status)}</p>
  }
  render(
    <AuthProvider client={lone}>
      <Suspense fallback={<p>loading</p>}>
        <Status />
      </Suspense>
    </AuthProvider>,
  )
  await act(() => vi.advanceTimersByTimeAsync(299))
  expect(screen.getByText('loading')).toBeTruthy()
  await act(() => vi.advanceTimersByTimeAsync(1))
  expect(screen.getByText('unauthenticated')).toBeTruthy()
})
