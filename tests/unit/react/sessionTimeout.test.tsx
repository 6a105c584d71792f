import { act, cleanup, render, screen } from '@testing-library/react'
import { Profiler } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../../src/core/client'
import { sessionTimeout } from '../../../src/parts/sessionTimeout'
import type { AuthClientOptions } from '../../../src/core'
import { AuthProvider, useAuth, useSessionTimeout } from '../../../src/react'
import { loginPair, refreshSpy, useFakeClock } from '../../support/session'

beforeEach(() => useFakeClock())
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

function Warning() {
  const { expiring, extend, logout } = useSessionTimeout()
  if (!expiring) return null
  return (
    <div role="alertdialog">
      {expiring.reason}: {Math.round(expiring.remaining / 1000)} s left
      <button onClick={extend}>Stay signed in</button>
      <button onClick={() => void logout()}>Sign out</button>
    </div>
  )
}

function Status() {
  const status = useAuth((auth) => auth.status)
  const reason = useAuth((auth) => auth.ended?.reason)
  return (
    <p>
      {status} {reason}
    </p>
  )
}

function renderApp(limits: Parameters<typeof sessionTimeout>[0], overrides: Partial<AuthClientOptions> = {}) {
  const client = createAuthClient({
    refresh: refreshSpy(),
    channel: null,
    locks: null,
    wakeEvents: () => () => {},
    timeout: sessionTimeout({ ...limits, activityEvents: () => () => {} }),
    ...overrides,
  })
  const renders = { warning: 0, status: 0 }
  render(
    <AuthProvider client={client}>
      <Profiler id="warning" onRender={() => renders.warning++}>
        <Warning />
      </Profiler>
      <Profiler id="status" onRender={() => renders.status++}>
        <Status />
      </Profiler>
    </AuthProvider>,
  )
  act(() => client.login(loginPair()))
  return { client, renders }
}

describe('useSessionTimeout()', () => {
  it('counts down once a second in the warning only, and extend() dismisses it', async () => {
    const { renders } = renderApp({ idleTimeout: 60_000, warnBefore: 20_000 })
    await act(() => vi.advanceTimersByTimeAsync(40_000))
    expect(screen.getByRole('alertdialog').textContent).toContain('idle: 20 s left')
    const before = { ...renders }
    for (let second = 0; second < 5; second++) await act(() => vi.advanceTimersByTimeAsync(1_000))
    expect(screen.getByRole('alertdialog').textContent).toContain('idle: 15 s left')
    expect(renders.warning - before.warning).toBe(5)
    expect(renders.status - before.status).toBe(0)
    act(() => screen.getByRole('button', { name: 'Stay signed in' }).click())
    expect(screen.queryByRole('alertdialog')).toBeNull()
    await act(() => vi.advanceTimersByTimeAsync(39_000))
    expect(screen.queryByRole('alertdialog')).toBeNull()
    await act(() => vi.advanceTimersByTimeAsync(21_000))
    expect(screen.getByText(/unauthenticated idle/)).toBeTruthy()
    expect(screen.queryByRole('alertdialog')).toBeNull()
  })

  it('renders where the browser refuses a channel, and the warning and the idle end still come in this tab', async () => {
    const refuse = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError')
    }
    renderApp({ idleTimeout: 60_000, warnBefore: 20_000 }, { channel: refuse })
    await act(() => vi.advanceTimersByTimeAsync(40_000))
    expect(screen.getByRole('alertdialog').textContent).toContain('idle: 20 s left')
    await act(() => vi.advanceTimersByTimeAsync(20_000))
    expect(screen.getByText(/unauthenticated idle/)).toBeTruthy()
  })

  it('shows max_age, which extend() cannot lift; sign out from the warning ends the session', async () => {
    renderApp({ maxSessionAge: 30_000, warnBefore: 10_000 })
    await act(() => vi.advanceTimersByTimeAsync(20_000))
    expect(screen.getByRole('alertdialog').textContent).toContain('max_age: 10 s left')
    act(() => screen.getByRole('button', { name: 'Stay signed in' }).click())
    expect(screen.getByRole('alertdialog').textContent).toContain('max_age')
    await act(async () => screen.getByRole('button', { name: 'Sign out' }).click())
    expect(screen.getByText(/unauthenticated user/)).toBeTruthy()
  })
})
