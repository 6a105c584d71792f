import { act, cleanup, render, screen } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../../src/core/client'
import type { JwtClaims } from '../../../src/core/tokens'
import { AuthProvider, RequireAuth, useRequireAuth, type UseRequireAuthResult } from '../../../src/react'
import { withReturnTo } from '../../../src/react/useRequireAuth'
import { createTabHarness } from '../../../src/testing'
import { loginPair, refreshSpy, standaloneClient, useFakeClock } from '../../support/session'

beforeEach(() => {
  useFakeClock()
  window.history.replaceState(null, '', '/orders?page=2#top')
})
afterEach(() => {
  cleanup()
  vi.useRealTimers()
  vi.unstubAllGlobals()
  window.history.replaceState(null, '', '/')
})

/** Stands in for window.location, whose methods jsdom does not let a test replace. */
function stubLocation() {
  const replace = vi.fn()
  const assign = vi.fn()
  const { pathname, search, hash, origin, href } = window.location
  vi.stubGlobal('location', { pathname, search, hash, origin, href, replace, assign })
  return { replace, assign }
}

describe('while the session is initializing', () => {
  it('never redirects a new tab waiting handoffTimeout for another tab, then calls onUnauthenticated exactly once', async () => {
    const harness = createTabHarness()
    const onUnauthenticated = vi.fn()
    const { replace } = stubLocation()
    render(
      // locks: null: no marker locks tell the tab at once that no tab holds a session, so it waits.
      <AuthProvider {...harness.tab()} locks={null} refresh={refreshSpy()} handoffTimeout={300}>
        <RequireAuth fallback="waiting" onUnauthenticated={onUnauthenticated} redirectTo="/login">
          secret
        </RequireAuth>
      </AuthProvider>,
    )
    await act(() => vi.advanceTimersByTimeAsync(299))
    expect(onUnauthenticated).toHaveBeenCalledTimes(0)
    expect(screen.getByText('waiting')).toBeTruthy()

    await act(() => vi.advanceTimersByTimeAsync(1))
    expect(onUnauthenticated).toHaveBeenCalledTimes(1)
    expect(onUnauthenticated).toHaveBeenCalledWith({ returnTo: '/orders?page=2#top', reason: null })
    expect(replace).toHaveBeenCalledTimes(0) // onUnauthenticated wins over redirectTo
    expect(screen.getByText('waiting')).toBeTruthy() // fallback while the router navigates
  })

  it('hands the router location given as returnTo, not the page URL', async () => {
    const onUnauthenticated = vi.fn()
    render(
      <AuthProvider refresh={refreshSpy()} channel={null} storage={null}>
        <RequireAuth onUnauthenticated={onUnauthenticated} returnTo="/app/orders">
          secret
        </RequireAuth>
      </AuthProvider>,
    )
    await act(() => vi.advanceTimersByTimeAsync(0))
    expect(onUnauthenticated.mock.calls).toEqual([[{ returnTo: '/app/orders', reason: null }]])
  })

  it('renders the children, with no redirect, when another tab hands over its session', async () => {
    const harness = createTabHarness()
    const open = createAuthClient({ ...harness.tab(), refresh: refreshSpy(), wakeEvents: () => () => {} })
    open.start()
    open.login(loginPair({ sub: 'kim' }))
    const onUnauthenticated = vi.fn()
    render(
      <AuthProvider {...harness.tab()} refresh={refreshSpy()} wakeEvents={() => () => {}}>
        <RequireAuth fallback="waiting" onUnauthenticated={onUnauthenticated}>
          secret
        </RequireAuth>
      </AuthProvider>,
    )
    expect(screen.getByText('waiting')).toBeTruthy()
    await act(() => vi.advanceTimersByTimeAsync(1_000))
    expect(screen.getByText('secret')).toBeTruthy()
    expect(onUnauthenticated).toHaveBeenCalledTimes(0)
    open.stop()
  })
})

describe('after logout', () => {
  it('calls onUnauthenticated exactly once, with returnTo carrying path, search and hash, across later re-renders', async () => {
    const { client } = standaloneClient()
    client.login(loginPair())
    const calls: string[] = []
    const tree = (n: number) => (
      <AuthProvider client={client}>
        <RequireAuth fallback="redirecting" onUnauthenticated={({ returnTo }) => calls.push(`${n}:${returnTo}`)}>
          secret
        </RequireAuth>
      </AuthProvider>
    )
    const { rerender } = render(tree(1))
    expect(screen.getByText('secret')).toBeTruthy()
    expect(calls).toEqual([])

    await act(() => client.logout())
    rerender(tree(2))
    rerender(tree(3))
    expect(calls).toEqual(['1:/orders?page=2#top'])
    expect(screen.getByText('redirecting')).toBeTruthy()
  })

  it('calls it once per transition: login, logout, login, logout → 2 calls', async () => {
    const { client } = standaloneClient()
    const onUnauthenticated = vi.fn()
    client.login(loginPair())
    render(
      <AuthProvider client={client}>
        <RequireAuth onUnauthenticated={onUnauthenticated}>secret</RequireAuth>
      </AuthProvider>,
    )
    await act(() => client.logout())
    act(() => client.login(loginPair()))
    expect(screen.getByText('secret')).toBeTruthy()
    await act(() => client.logout())
    expect(onUnauthenticated).toHaveBeenCalledTimes(2)
  })

  it('under StrictMode, a guard mounted without a session calls onUnauthenticated exactly once', () => {
    const { client } = standaloneClient()
    const onUnauthenticated = vi.fn()
    render(
      <StrictMode>
        <AuthProvider client={client}>
          <RequireAuth onUnauthenticated={onUnauthenticated}>secret</RequireAuth>
        </AuthProvider>
      </StrictMode>,
    )
    expect(onUnauthenticated).toHaveBeenCalledTimes(1)
  })
})

describe('redirectTo', () => {
  it.each([
    ['/login', '/login?returnTo=%2Forders%3Fpage%3D2%23top'],
    ['/login?reason=expired', '/login?reason=expired&returnTo=%2Forders%3Fpage%3D2%23top'],
    ['https://id.example/sign-in?', 'https://id.example/sign-in?returnTo=%2Forders%3Fpage%3D2%23top'],
  ])('replaces the page with %s plus returnTo, exactly once', async (redirectTo, expected) => {
    const { replace, assign } = stubLocation()
    const { client } = standaloneClient()
    client.login(loginPair())
    render(
      <AuthProvider client={client}>
        <RequireAuth redirectTo={redirectTo}>secret</RequireAuth>
      </AuthProvider>,
    )
    expect(replace).toHaveBeenCalledTimes(0)
    await act(() => client.logout())
    expect(replace).toHaveBeenCalledTimes(1)
    expect(replace).toHaveBeenCalledWith(expected)
    expect(assign).toHaveBeenCalledTimes(0)
  })

  it('keeps a fragment of redirectTo after the query', () => {
    expect(withReturnTo('/login#form', '/a?b=1')).toBe('/login?returnTo=%2Fa%3Fb%3D1#form')
    expect(withReturnTo('/login?x=1&', '/a')).toBe('/login?x=1&returnTo=%2Fa')
  })
})

describe('authorize', () => {
  it('renders forbidden content and calls nothing when authorize returns false', async () => {
    const { replace } = stubLocation()
    const { client } = standaloneClient()
    client.login(loginPair({ sub: 'kim', role: 'viewer' }))
    const onUnauthenticated = vi.fn()
    const authorize = vi.fn((claims: JwtClaims) => claims.role === 'admin')
    render(
      <AuthProvider client={client}>
        <RequireAuth
          fallback="redirecting"
          forbidden="no access"
          redirectTo="/login"
          onUnauthenticated={onUnauthenticated}
          authorize={authorize}
        >
          secret
        </RequireAuth>
      </AuthProvider>,
    )
    await act(() => vi.advanceTimersByTimeAsync(1_000))
    expect(screen.getByText('no access')).toBeTruthy()
    expect(screen.queryByText('secret')).toBeNull()
    expect(authorize).toHaveBeenCalledWith(expect.objectContaining({ sub: 'kim', role: 'viewer' }))
    expect(onUnauthenticated).toHaveBeenCalledTimes(0)
    expect(replace).toHaveBeenCalledTimes(0)
  })

  it('renders the children when authorize returns true', () => {
    const { client } = standaloneClient()
    client.login(loginPair({ sub: 'kim', role: 'admin' }))
    render(
      <AuthProvider client={client}>
        <RequireAuth forbidden="no access" authorize={(claims) => claims.role === 'admin'}>
          secret
        </RequireAuth>
      </AuthProvider>,
    )
    expect(screen.getByText('secret')).toBeTruthy()
  })
})

describe('useRequireAuth', () => {
  it('reports loading → authenticated → unauthenticated with the claims, and never redirects on its own without options', async () => {
    const harness = createTabHarness()
    const results: UseRequireAuthResult[] = []
    const { replace } = stubLocation()
    const client = createAuthClient({ ...harness.tab(), refresh: refreshSpy(), wakeEvents: () => () => {} })
    function Probe() {
      results.push(useRequireAuth())
      return null
    }
    render(
      <AuthProvider client={client}>
        <Probe />
      </AuthProvider>,
    )
    act(() => client.login(loginPair({ sub: 'kim' })))
    await act(() => client.logout())
    expect(results.map((r) => r.status)).toEqual(['loading', 'authenticated', 'unauthenticated'])
    expect(results[1]!.claims).toMatchObject({ sub: 'kim' })
    expect(results[2]!.claims).toBeNull()
    expect(replace).toHaveBeenCalledTimes(0)
  })
})
