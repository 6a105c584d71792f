import { act, cleanup, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../../src/core/client'
import { AuthProvider, useRecentAuth } from '../../../src/react'
import { createTestJwt } from '../../../src/testing'
import { refreshSpy, useFakeClock } from '../../support/session'

beforeEach(() => useFakeClock())
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

function Settings({ maxAge }: { maxAge: number }) {
  return <p>{useRecentAuth(maxAge) ? 'settings' : 'sign in again to change settings'}</p>
}

function renderWith(claims: Record<string, unknown>, { serverAhead = 0, maxAge = 5 * MINUTE, expiresIn = 3600 } = {}) {
  const client = createAuthClient({ refresh: refreshSpy(), channel: null, locks: null, storage: null, wakeEvents: () => () => {} })
  render(
    <AuthProvider client={client}>
      <Settings maxAge={maxAge} />
    </AuthProvider>,
  )
  const accessToken = createTestJwt(claims, { expiresIn, now: Date.now() + serverAhead })
  act(() => client.login({ accessToken, refreshToken: 'rt-0' }))
  return client
}

describe('useRecentAuth(maxAgeMs)', () => {
  it('is true within maxAge of auth_time and turns false by itself when it passes', async () => {
    renderWith({ sub: 'user-1', auth_time: Math.floor(Date.now() / 1000) - 60 })
    expect(screen.getByText('settings')).toBeTruthy()
    await act(() => vi.advanceTimersByTimeAsync(4 * 60_000 - 1))
    expect(screen.getByText('settings')).toBeTruthy()
    await act(() => vi.advanceTimersByTimeAsync(2))
    expect(screen.getByText('sign in again to change settings')).toBeTruthy()
  })

  it('reads auth_time on the server clock: a server an hour ahead does not make a new sign-in look old', () => {
    const hour = 3_600_000
    renderWith({ sub: 'user-1', auth_time: Math.floor((Date.now() + hour) / 1000) }, { serverAhead: hour })
    expect(screen.getByText('settings')).toBeTruthy()
  })

  it("a 30-day maxAge, past setTimeout's range, stays true until it passes and turns false by itself", async () => {
    // A token that outlives the wait, so no refresh replaces the claims meanwhile.
    renderWith({ sub: 'user-1', auth_time: Math.floor(Date.now() / 1000) - 60 }, { maxAge: 30 * DAY, expiresIn: 31 * 24 * 3600 })
    await act(() => vi.advanceTimersByTimeAsync(MINUTE))
    expect(screen.getByText('settings')).toBeTruthy()
    act(() => vi.advanceTimersByTime(30 * DAY - 2 * MINUTE - 1)) // to 1 ms before 30 days after the sign-in
    expect(screen.getByText('settings')).toBeTruthy()
    act(() => vi.advanceTimersByTime(1))
    expect(screen.getByText('sign in again to change settings')).toBeTruthy()
  })

  it('is false without auth_time', () => {
    renderWith({ sub: 'user-1' })
    expect(screen.getByText('sign in again to change settings')).toBeTruthy()
  })
})
