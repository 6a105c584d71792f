import { act, cleanup, render, screen } from '@testing-library/react'
import { Component, Profiler, type ReactNode } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuthProvider, useAuth, useAuthClient, useAuthFetch, type UseAuthResult } from '../../../src/react'
import { loginPair, refreshSpy, standaloneClient, storageWithSession, useFakeClock } from '../../support/session'

beforeEach(() => useFakeClock())
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

// 900 s tokens, 60 s lead, jitter 0.5 → the silent refresh fires 825 s after login (a retry
// after a failure would come 750 ms later, so stay short of that).
const PAST_SILENT_REFRESH = 825_100

/** Counts commits per Profiler id, i.e. how often each consumer rendered. */
function renderCounter() {
  const counts: Record<string, number> = {}
  const onRender = (id: string) => void (counts[id] = (counts[id] ?? 0) + 1)
  return { counts, onRender, reset: () => Object.keys(counts).forEach((id) => (counts[id] = 0)) }
}

class Boundary extends Component<{ children: ReactNode; onCatch: (error: unknown) => void }, { failed: boolean }> {
  override state = { failed: false }
  static getDerivedStateFromError() {
    return { failed: true }
  }
  override componentDidCatch(error: unknown) {
    this.props.onCatch(error)
  }
  override render() {
    return this.state.failed ? 'crashed' : this.props.children
  }
}

describe('re-renders across a silent refresh', () => {
  it('renders a claims.sub selector 0 extra times and a full useAuth() consumer exactly once', async () => {
    const { client, refresh } = standaloneClient({ refresh: refreshSpy(900, { sub: 'kim' }) })
    client.login(loginPair({ sub: 'kim' }))
    const { counts, onRender, reset } = renderCounter()
    const tokens: string[] = []
    function SubOnly() {
      return <p>{useAuth((s) => s.claims?.sub)}</p>
    }
    function Everything() {
      const auth = useAuth()
      tokens.push(auth.accessToken!)
      return <p>{auth.status}</p>
    }
    render(
      <AuthProvider client={client}>
        <Profiler id="sub" onRender={onRender}>
          <SubOnly />
        </Profiler>
        <Profiler id="full" onRender={onRender}>
          <Everything />
        </Profiler>
      </AuthProvider>,
    )
    reset()

    await act(() => vi.advanceTimersByTimeAsync(PAST_SILENT_REFRESH))

    expect(refresh).toHaveBeenCalledTimes(1)
    expect(counts).toEqual({ sub: 0, full: 1 })
    expect(new Set(tokens).size).toBe(2) // the full consumer did see the new token
  })

  it('with isEqual, an object selector also renders 0 extra times', async () => {
    const { client, refresh } = standaloneClient({ refresh: refreshSpy(900, { sub: 'kim', role: 'admin' }) })
    client.login(loginPair({ sub: 'kim', role: 'admin' }))
    const { counts, onRender, reset } = renderCounter()
    const sameUser = (a: { sub: unknown; role: unknown }, b: { sub: unknown; role: unknown }) => a.sub === b.sub && a.role === b.role
    function User() {
      const user = useAuth((s) => ({ sub: s.claims?.sub, role: s.claims?.role }), sameUser)
      return <p>{`${user.sub}/${user.role}`}</p>
    }
    render(
      <AuthProvider client={client}>
        <Profiler id="user" onRender={onRender}>
          <User />
        </Profiler>
      </AuthProvider>,
    )
    reset()
    await act(() => vi.advanceTimersByTimeAsync(PAST_SILENT_REFRESH))
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(counts).toEqual({ user: 0 })
    expect(screen.getByText('kim/admin')).toBeTruthy()
  })

  it('re-renders a selector consumer exactly once when its slice changes (logout)', async () => {
    const { client } = standaloneClient()
    client.login(loginPair({ sub: 'kim' }))
    const { counts, onRender, reset } = renderCounter()
    function SubOnly() {
      return <p>{useAuth((s) => s.claims?.sub) ?? 'nobody'}</p>
    }
    render(
      <AuthProvider client={client}>
        <Profiler id="sub" onRender={onRender}>
          <SubOnly />
        </Profiler>
      </AuthProvider>,
    )
    reset()
    await act(() => client.logout())
    expect(counts).toEqual({ sub: 1 })
    expect(screen.getByText('nobody')).toBeTruthy()
  })
})

describe('functions', () => {
  it('keeps login, logout, refresh, fetch and getAuthHeaders referentially stable across re-renders and a refresh', async () => {
    const { client } = standaloneClient()
    client.login(loginPair())
    const seen: UseAuthResult[] = []
    const fetchers: (typeof fetch)[] = []
    function Probe({ label }: { label: string }) {
      seen.push(useAuth())
      fetchers.push(useAuthFetch())
      return <p>{label}</p>
    }
    const { rerender } = render(
      <AuthProvider client={client}>
        <Probe label="a" />
      </AuthProvider>,
    )
    rerender(
      <AuthProvider client={client}>
        <Probe label="b" />
      </AuthProvider>,
    )
    await act(() => seen[0]!.refresh())
    await act(() => vi.advanceTimersByTimeAsync(PAST_SILENT_REFRESH))

    expect(seen.length).toBeGreaterThanOrEqual(4)
    expect(new Set(seen.map((s) => s.accessToken)).size).toBe(3)
    for (const name of ['login', 'logout', 'refresh', 'fetch', 'getAuthHeaders'] as const) {
      expect(new Set(seen.map((s) => s[name])).size, name).toBe(1)
    }
    expect(new Set(fetchers).size).toBe(1)
    expect(fetchers[0]).toBe(seen[0]!.fetch)
  })

  it('logout ignores a click event passed as its options (onClick={logout})', async () => {
    const { client } = standaloneClient({ revoke: vi.fn(async () => {}) })
    client.login(loginPair())
    const logouts: UseAuthResult['logout'][] = []
    function Probe() {
      logouts.push(useAuth((s) => s.logout))
      return null
    }
    render(
      <AuthProvider client={client}>
        <Probe />
      </AuthProvider>,
    )
    const revoke = vi.spyOn(client, 'logout')
    await act(() => logouts[0]!({ everywhere: 'yes' } as never))
    expect(revoke).toHaveBeenCalledWith({ everywhere: false })
  })

  it('useAuthFetch sends the Bearer token of the current session', async () => {
    const baseFetch = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => new Response('ok'))
    const { client } = standaloneClient({ fetch: baseFetch as typeof fetch, allowedOrigins: ['https://api.test'] })
    client.login(loginPair())
    const fetchers: (typeof fetch)[] = []
    function Probe() {
      fetchers.push(useAuthFetch())
      return null
    }
    render(
      <AuthProvider client={client}>
        <Probe />
      </AuthProvider>,
    )
    await fetchers[0]!('https://api.test/me')
    expect(baseFetch).toHaveBeenCalledTimes(1)
    const [input, init] = baseFetch.mock.calls[0]!
    expect(new Request(input, init).headers.get('Authorization')).toBe(`Bearer ${client.getSnapshot().accessToken}`)
  })

  it('useAuthClient returns the provider client', () => {
    const { client } = standaloneClient()
    const seen: unknown[] = []
    function Probe() {
      seen.push(useAuthClient())
      return null
    }
    render(
      <AuthProvider client={client}>
        <Probe />
      </AuthProvider>,
    )
    expect(seen[0]).toBe(client)
  })
})

describe('errors from the app refresh function', () => {
  function Show() {
    const { status, error } = useAuth()
    return <p>{`${status}:${error?.code ?? 'none'}`}</p>
  }

  it('surfaces a transient failure (network error) as error.code refresh_failed and keeps the session, without an error boundary', async () => {
    const refresh = vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    })
    const { client } = standaloneClient({ refresh })
    client.login(loginPair())
    const onCatch = vi.fn()
    render(
      <Boundary onCatch={onCatch}>
        <AuthProvider client={client}>
          <Show />
        </AuthProvider>
      </Boundary>,
    )
    await act(() => vi.advanceTimersByTimeAsync(PAST_SILENT_REFRESH))
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(screen.getByText('authenticated:refresh_failed')).toBeTruthy()
    expect(onCatch).toHaveBeenCalledTimes(0)
  })

  it('surfaces a rejection (HTTP 401) of an expired session as unauthenticated with refresh_rejected, without an error boundary', async () => {
    const refresh = vi.fn(async () => {
      throw Object.assign(new Error('invalid_grant'), { status: 401 })
    })
    const storage = storageWithSession({ sub: 'kim' }, 60)
    vi.setSystemTime(Date.now() + 120_000)
    const { client } = standaloneClient({ refresh, storage })
    const onCatch = vi.fn()
    render(
      <Boundary onCatch={onCatch}>
        <AuthProvider client={client}>
          <Show />
        </AuthProvider>
      </Boundary>,
    )
    expect(screen.getByText('initializing:none')).toBeTruthy()
    await act(() => vi.advanceTimersByTimeAsync(0))
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(screen.getByText('unauthenticated:refresh_rejected')).toBeTruthy()
    expect(onCatch).toHaveBeenCalledTimes(0)
  })

  it('rejects the promise of refresh() with the coded error and leaves the tree rendering', async () => {
    const refresh = vi.fn(async () => {
      throw Object.assign(new Error('Service Unavailable'), { status: 503 })
    })
    const { client } = standaloneClient({ refresh })
    client.login(loginPair())
    const onCatch = vi.fn()
    const seen: UseAuthResult[] = []
    function Probe() {
      const auth = useAuth()
      seen.push(auth)
      return <p>{`${auth.status}:${auth.error?.code ?? 'none'}`}</p>
    }
    render(
      <Boundary onCatch={onCatch}>
        <AuthProvider client={client}>
          <Probe />
        </AuthProvider>
      </Boundary>,
    )
    let caught: unknown
    await act(() => seen[0]!.refresh().catch((error: unknown) => void (caught = error)))
    expect(caught).toMatchObject({ code: 'refresh_failed', status: 503 })
    expect(screen.getByText('authenticated:refresh_failed')).toBeTruthy()
    expect(onCatch).toHaveBeenCalledTimes(0)
  })
})
