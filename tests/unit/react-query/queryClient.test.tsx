import {
  MutationObserver,
  QueryClient,
  QueryClientProvider,
  keepPreviousData,
  useInfiniteQuery,
  useQuery,
  type QueryKey,
} from '@tanstack/react-query'
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { StrictMode, useState, useSyncExternalStore, type ReactNode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, type AuthClient } from '../../../src/core/client'
import { AuthProvider } from '../../../src/react'
import { bindQueryClient, createQueryFn, shouldRetry, useBindQueryClient } from '../../../src/react-query'
import { createTabHarness, createTestJwt } from '../../../src/testing'
import { readClaims } from '../../support/session'
import { ORIGIN, deferred, json, setup, type Api } from '../fetch/helpers'

const KEY = ['/api/todos', { page: 2 }] as const
let queryClient: QueryClient

afterEach(() => {
  cleanup()
  queryClient?.clear()
})

interface Todos {
  owner: string
}
interface RenderRecord {
  user: string | null
  owner: string | null
}

/** The API answers with data that names the user the token belongs to. */
function serveOwnData(api: Api) {
  api.respond((_request, token) => {
    if (token === null || !api.valid.has(token)) return json({ error: 'invalid_token' }, 401)
    return json({ owner: readClaims<{ sub: string }>(token).sub })
  })
}

function newQueryClient() {
  queryClient = new QueryClient({ defaultOptions: { queries: { retryDelay: 0 } } })
  return queryClient
}

/** Records, for every render, who is logged in and whose data is on screen. */
function Todos({ auth, renders }: { auth: AuthClient; renders: RenderRecord[] }) {
  const state = useSyncExternalStore(auth.subscribe, auth.getSnapshot)
  const query = useQuery<Todos>({ queryKey: KEY })
  renders.push({ user: state.claims?.sub ?? null, owner: query.data?.owner ?? null })
  return <p>{query.data ? `owner:${query.data.owner}` : `status:${query.status}`}</p>
}

function renderTodos(auth: AuthClient, client: QueryClient, children?: ReactNode) {
  const renders: RenderRecord[] = []
  render(
    <StrictMode>
      <QueryClientProvider client={client}>
        {children}
        <Todos auth={auth} renders={renders} />
      </QueryClientProvider>
    </StrictMode>,
  )
  return renders
}

/** No render ever paired one user with another user's data. */
const neverShowedForeignData = (renders: RenderRecord[]) =>
  expect(renders.filter(({ owner, user }) => owner !== null && owner !== user)).toEqual([])

const loginAs = (auth: AuthClient, api: Api, sub: string) => {
  const accessToken = createTestJwt({ sub })
  api.valid.add(accessToken)
  auth.login({ accessToken, refreshToken: `rt-${sub}` })
}

describe('bindQueryClient', () => {
  it('fetches the queryKey through auth.fetch: GET /api/todos?page=2 with the Bearer token', async () => {
    const { client, api, login } = setup()
    serveOwnData(api)
    const token = login()
    bindQueryClient(client, newQueryClient(), { defaults: true })
    renderTodos(client, queryClient)

    await screen.findByText('owner:user-1')
    expect(api.seen).toEqual([
      expect.objectContaining({ url: `${ORIGIN}/api/todos?page=2`, method: 'GET', authorization: `Bearer ${token}` }),
    ])
  })

  it('on logout, clears the cache and no render shows the previous data', async () => {
    const { client, api, login } = setup()
    serveOwnData(api)
    login()
    bindQueryClient(client, newQueryClient(), { defaults: true })
    const renders = renderTodos(client, queryClient)
    await screen.findByText('owner:user-1')

    await act(() => client.logout())

    await screen.findByText('status:error')
    expect(queryClient.getQueryData(KEY)).toBeUndefined()
    const afterLogout = renders.slice(renders.findIndex((r) => r.user === null))
    expect(afterLogout.length).toBeGreaterThan(0)
    expect(afterLogout.every((r) => r.owner === null)).toBe(true)
    neverShowedForeignData(renders)
    expect(api.fetch).toHaveBeenCalledTimes(1) // the refetch without a session never reached the network
  })

  it('on logout, cancels a query in flight and drops its late answer', async () => {
    const { client, api, login } = setup()
    login()
    const late = deferred<void>()
    let requestSignal: AbortSignal | undefined
    api.respond(async (request) => {
      requestSignal = request.signal
      await late.promise
      return json({ owner: 'user-1' })
    })
    bindQueryClient(client, newQueryClient(), { defaults: true })
    const renders = renderTodos(client, queryClient)
    await waitFor(() => expect(api.fetch).toHaveBeenCalledTimes(1))

    await act(() => client.logout())
    late.resolve()
    await screen.findByText('status:error')

    expect(requestSignal!.aborted).toBe(true)
    expect(queryClient.getQueryData(KEY)).toBeUndefined()
    expect(renders.every((r) => r.owner === null)).toBe(true)
  })

  it('on a login as a different user, clears the cache and refetches for the new user', async () => {
    const { client, api, login } = setup()
    serveOwnData(api)
    login()
    bindQueryClient(client, newQueryClient(), { defaults: true })
    const renders = renderTodos(client, queryClient)
    await screen.findByText('owner:user-1')

    act(() => loginAs(client, api, 'user-2'))

    await screen.findByText('owner:user-2')
    neverShowedForeignData(renders)
    expect(api.fetch).toHaveBeenCalledTimes(2)
  })

  describe('no render shows the previous user’s data, in a component that does not read the auth state', () => {
    /** The API answers with the token's user and the page asked for. */
    function servePages(api: Api) {
      api.respond((request, token) => {
        if (token === null || !api.valid.has(token)) return json({ error: 'invalid_token' }, 401)
        const page = Number(new URL(request.url).searchParams.get('page') ?? 0)
        return json({ owner: readClaims<{ sub: string }>(token).sub, page })
      })
    }

    /** A QueryClient whose default queryFn counts its runs (network or not). */
    function countingQueryClient(auth: AuthClient) {
      const queryFn = vi.fn(createQueryFn(auth))
      queryClient = new QueryClient({ defaultOptions: { queries: { queryFn, retry: shouldRetry, retryDelay: 0 } } })
      bindQueryClient(auth, queryClient)
      return { qc: queryClient, queryFn }
    }

    /** Shows one query's owner; reads nothing of the session. Every render's owner is recorded. */
    function Plain({ owners, queryKey = KEY }: { owners: (string | null)[]; queryKey?: QueryKey }) {
      const query = useQuery<Todos>({ queryKey })
      owners.push(query.data?.owner ?? null)
      return <p>{query.data ? `owner:${query.data.owner}` : `status:${query.status}`}</p>
    }

    function renderPlain(qc: QueryClient, node: ReactNode) {
      render(
        <StrictMode>
          <QueryClientProvider client={qc}>{node}</QueryClientProvider>
        </StrictMode>,
      )
    }

    const tokensSent = (api: Api, sub: string) =>
      api.seen.filter((seen) => seen.authorization !== null && readClaims<{ sub: string }>(seen.authorization.slice(7)).sub === sub)

    it('drops the data on a user switch and runs the query once under the new token', async () => {
      const { client, api } = setup()
      servePages(api)
      loginAs(client, api, 'alice')
      const { qc } = countingQueryClient(client)
      const owners: (string | null)[] = []
      renderPlain(qc, <Plain owners={owners} />)
      await screen.findByText('owner:alice')
      const switchedAt = owners.length
      const bobsAnswer = deferred<void>()
      api.respond(async (_request, token) => {
        await bobsAnswer.promise
        return json({ owner: readClaims<{ sub: string }>(token!).sub })
      })

      act(() => loginAs(client, api, 'bob'))

      await screen.findByText('status:pending') // the render right after the switch: no data
      bobsAnswer.resolve()
      await screen.findByText('owner:bob')
      expect(owners.slice(switchedAt)).not.toContain('alice')
      expect(tokensSent(api, 'bob')).toEqual([expect.objectContaining({ url: `${ORIGIN}/api/todos?page=2` })])
    })

    it('does not restore initialData that was read from alice’s cache', async () => {
      const { client, api } = setup()
      servePages(api)
      loginAs(client, api, 'alice')
      const { qc } = countingQueryClient(client)
      const owners: (string | null)[] = []
      function FromList() {
        const query = useQuery<Todos>({ queryKey: ['/api/todos', 7], initialData: () => qc.getQueryData(KEY), staleTime: Infinity })
        owners.push(query.data?.owner ?? null)
        return <i>{query.data ? `item:${query.data.owner}` : `item:${query.status}`}</i>
      }
      renderPlain(qc, <Plain owners={[]} />)
      await screen.findByText('owner:alice')
      const view = render(
        <QueryClientProvider client={qc}>
          <FromList />
        </QueryClientProvider>,
      )
      await screen.findByText('item:alice') // taken from the list, not fetched
      const switchedAt = owners.length
      const bobsAnswer = deferred<void>()
      api.respond(async (_request, token) => {
        await bobsAnswer.promise
        return json({ owner: readClaims<{ sub: string }>(token!).sub })
      })

      act(() => loginAs(client, api, 'bob'))

      await screen.findByText('item:pending')
      bobsAnswer.resolve()
      await screen.findByText('item:bob')
      expect(owners.slice(switchedAt)).not.toContain('alice')
      view.unmount()
    })

    it('drops the data when bob signs in in another tab (the two-tab report)', async () => {
      const tabs = createTabHarness()
      const { api } = setup()
      servePages(api)
      const make = () =>
        createAuthClient({ refresh: async () => ({ accessToken: createTestJwt() }), fetch: api.fetch as typeof fetch, ...tabs.tab() })
      const [tabA, tabB] = [make(), make()]
      tabA.start()
      tabB.start()
      await vi.waitFor(() => expect(tabB.getSnapshot().status).toBe('unauthenticated'))
      loginAs(tabA, api, 'alice')
      await vi.waitFor(() => expect(tabB.getSnapshot().status).toBe('authenticated'))
      const { qc } = countingQueryClient(tabA)
      const owners: (string | null)[] = []
      renderPlain(qc, <Plain owners={owners} />)
      await screen.findByText('owner:alice')
      const switchedAt = owners.length

      await act(async () => {
        loginAs(tabB, api, 'bob')
        await vi.waitFor(() => expect(tabA.getSnapshot().claims?.sub).toBe('bob'))
      })

      await screen.findByText('owner:bob')
      expect(owners.slice(switchedAt)).not.toContain('alice')
      expect(tokensSent(api, 'bob')).toHaveLength(1)
      tabA.stop()
      tabB.stop()
    })

    it('drops the data on logout and fails unauthenticated once, sending nothing and retrying nothing', async () => {
      const { client, api } = setup()
      servePages(api)
      loginAs(client, api, 'alice')
      const { qc, queryFn } = countingQueryClient(client)
      const owners: (string | null)[] = []
      renderPlain(qc, <Plain owners={owners} />)
      await screen.findByText('owner:alice')
      const switchedAt = owners.length
      const runsBefore = queryFn.mock.calls.length

      await act(() => client.logout())

      await screen.findByText('status:error')
      expect(owners.slice(switchedAt)).not.toContain('alice')
      expect(queryFn).toHaveBeenCalledTimes(runsBefore + 1)
      expect(api.fetch).toHaveBeenCalledTimes(1) // alice's one request; nothing without a session
      expect(qc.getQueryState(KEY)).toMatchObject({ fetchFailureCount: 1, fetchStatus: 'idle', error: { code: 'unauthenticated' } })
    })

    it('runs each query that failed unauthenticated before the login once after it', async () => {
      const { client, api } = setup()
      servePages(api)
      const { qc } = countingQueryClient(client)
      await act(() => client.logout()) // known to be signed out
      const owners: (string | null)[] = []
      renderPlain(
        qc,
        <>
          <Plain owners={owners} />
          <Plain owners={owners} queryKey={['/api/todos', { page: 3 }]} />
        </>,
      )
      await waitFor(() => expect(screen.getAllByText('status:error')).toHaveLength(2))
      expect(api.fetch).not.toHaveBeenCalled()

      act(() => loginAs(client, api, 'alice'))

      await waitFor(() => expect(screen.getAllByText('owner:alice')).toHaveLength(2))
      expect(api.seen.map((seen) => seen.url).sort()).toEqual([`${ORIGIN}/api/todos?page=2`, `${ORIGIN}/api/todos?page=3`])
    })

    it('does not carry alice’s page into bob’s query through placeholderData: keepPreviousData', async () => {
      const { client, api } = setup()
      servePages(api)
      loginAs(client, api, 'alice')
      const { qc } = countingQueryClient(client)
      const held = { alice: deferred<void>(), bob: deferred<void>() }
      const owners: (string | null)[] = []
      function Paged() {
        const [page, setPage] = useState(1)
        const query = useQuery<Todos>({ queryKey: ['/api/todos', { page }], placeholderData: keepPreviousData })
        owners.push(query.data?.owner ?? null)
        return <button onClick={() => setPage(2)}>{query.data ? `owner:${query.data.owner}` : `status:${query.status}`}</button>
      }
      renderPlain(qc, <Paged />)
      await screen.findByText('owner:alice')
      api.respond(async (_request, token) => {
        const owner = readClaims<{ sub: 'alice' | 'bob' }>(token!).sub
        await held[owner].promise // page 2 is slow
        return json({ owner, page: 2 })
      })
      fireEvent.click(screen.getByRole('button'))
      await waitFor(() => expect(api.fetch).toHaveBeenCalledTimes(2))
      expect(screen.getByRole('button').textContent).toBe('owner:alice') // page 1 kept on screen while page 2 loads
      const switchedAt = owners.length

      act(() => loginAs(client, api, 'bob'))
      held.alice.resolve()

      await screen.findByText('status:pending') // bob's page 2 is on its way: nothing on screen meanwhile
      held.bob.resolve()
      await screen.findByText('owner:bob')
      expect(owners.slice(switchedAt)).not.toContain('alice')
      expect(qc.getQueryData(['/api/todos', { page: 1 }])).toBeUndefined()
    })

    it('refetches an infinite query from its first page for the new user', async () => {
      const { client, api } = setup()
      servePages(api)
      loginAs(client, api, 'alice')
      const { qc } = countingQueryClient(client)
      const owners: (string | null)[] = []
      function Feed() {
        const feed = useInfiniteQuery({
          queryKey: ['/api/feed'],
          queryFn: async ({ pageParam, signal }) =>
            (await client.fetch(`/api/feed?page=${pageParam}`, { signal })).json() as Promise<Todos>,
          initialPageParam: 1,
          getNextPageParam: (_last, pages) => pages.length + 1,
        })
        const pages = feed.data?.pages ?? []
        owners.push(...pages.map((page) => page.owner))
        return <button onClick={() => void feed.fetchNextPage()}>{pages.map((page) => page.owner).join(',') || 'none'}</button>
      }
      renderPlain(qc, <Feed />)
      await screen.findByText('alice')
      fireEvent.click(screen.getByRole('button'))
      await screen.findByText('alice,alice')
      const switchedAt = owners.length

      act(() => loginAs(client, api, 'bob'))

      await screen.findByText('bob')
      expect(owners.slice(switchedAt)).not.toContain('alice')
      expect(tokensSent(api, 'bob').map((seen) => seen.url)).toEqual([`${ORIGIN}/api/feed?page=1`])
    })

    it('fails a mutation that alice started and bob would see settle: session_changed, nothing written', async () => {
      const { client, api } = setup()
      loginAs(client, api, 'alice')
      const { qc } = countingQueryClient(client)
      const held = deferred<void>()
      api.respond(async (_request, token) => {
        await held.promise
        return json({ owner: readClaims<{ sub: string }>(token!).sub })
      })
      const onSuccess = vi.fn((created: Todos) => qc.setQueryData(['/api/todos', 'created'], created))
      const mutation = new MutationObserver(qc, {
        mutationFn: async () => (await client.fetch('/api/todos', { method: 'POST' })).json() as Promise<Todos>,
        onSuccess,
      })
      const result = mutation.mutate(undefined)
      await waitFor(() => expect(api.fetch).toHaveBeenCalledTimes(1))

      loginAs(client, api, 'bob')
      held.resolve()

      await expect(result).rejects.toMatchObject({ name: 'AuthError', code: 'session_changed' })
      expect(onSuccess).not.toHaveBeenCalled()
      expect(qc.getQueryData(['/api/todos', 'created'])).toBeUndefined()
    })
  })

  it('keeps the cache across a refresh for the same user', async () => {
    const { client, api, refresh, login } = setup()
    serveOwnData(api)
    login()
    bindQueryClient(client, newQueryClient(), { defaults: true })
    const renders = renderTodos(client, queryClient)
    await screen.findByText('owner:user-1')
    const cached = queryClient.getQueryData(KEY)
    const firstShown = renders.findIndex((r) => r.owner !== null)

    await act(() => client.refresh())

    expect(refresh).toHaveBeenCalledTimes(1)
    expect(queryClient.getQueryData(KEY)).toBe(cached)
    expect(renders.slice(firstShown).every((r) => r.owner === 'user-1')).toBe(true)
    expect(api.fetch).toHaveBeenCalledTimes(1)
  })

  it('clears the cache when another tab logs out', async () => {
    const tabs = createTabHarness()
    const make = () =>
      createAuthClient({ refresh: async () => ({ accessToken: createTestJwt() }), fetch: api.fetch as typeof fetch, ...tabs.tab() })
    const { api } = setup()
    serveOwnData(api)
    const [tabA, tabB] = [make(), make()]
    tabA.start()
    tabB.start()
    await vi.waitFor(() => expect(tabB.getSnapshot().status).toBe('unauthenticated'))
    loginAs(tabA, api, 'user-1')
    await vi.waitFor(() => expect(tabB.getSnapshot().status).toBe('authenticated'))
    bindQueryClient(tabA, newQueryClient(), { defaults: true })
    const renders = renderTodos(tabA, queryClient)
    await screen.findByText('owner:user-1')

    await act(() => tabB.logout())

    await screen.findByText('status:error')
    expect(tabA.getSnapshot().status).toBe('unauthenticated')
    expect(queryClient.getQueryData(KEY)).toBeUndefined()
    neverShowedForeignData(renders)
    tabA.stop()
    tabB.stop()
  })

  it('stops clearing once unbound, and restores the defaults it set', async () => {
    const { client, login } = setup()
    login()
    const qc = newQueryClient()
    const before = qc.getDefaultOptions()
    const unbind = bindQueryClient(client, qc, { defaults: true })
    expect(qc.getDefaultOptions().queries?.queryFn).toBeTypeOf('function')
    qc.setQueryData(['/x'], 1)

    unbind()
    await client.logout()

    expect(qc.getQueryData(['/x'])).toBe(1)
    expect(qc.getDefaultOptions()).toBe(before)
  })

  it("keeps the QueryClient's own retry and queryFn defaults", () => {
    const { client } = setup()
    const retry = () => false
    const qc = new QueryClient({ defaultOptions: { queries: { retry } } })
    bindQueryClient(client, qc, { defaults: true })
    expect(qc.getDefaultOptions().queries).toMatchObject({ retry, queryFn: expect.any(Function) })
  })

  describe('knowing one user from the next', () => {
    const hasura = (userId?: string) => ({
      sub: undefined,
      'https://hasura.io/jwt/claims': JSON.stringify({
        'x-hasura-default-role': 'user',
        'x-hasura-allowed-roles': ['user'],
        'x-hasura-user-id': userId,
      }),
    })
    /** Logs in with `claims`, fills the cache, then logs in again with `next`: is the data still there? */
    async function keptAcrossLogins(claims: Record<string, unknown>, next: Record<string, unknown>) {
      const { client } = setup()
      const cache = newQueryClient()
      bindQueryClient(client, cache)
      client.login({ accessToken: createTestJwt(claims), refreshToken: 'rt-a' })
      cache.setQueryData(KEY, { owner: 'first' })
      client.login({ accessToken: createTestJwt(next), refreshToken: 'rt-b' })
      return cache.getQueryData(KEY) !== undefined
    }

    it('tells users apart by the Hasura user id when tokens carry no sub', async () => {
      expect(await keptAcrossLogins(hasura('u-1'), hasura('u-2'))).toBe(false)
      expect(await keptAcrossLogins(hasura('u-1'), hasura('u-1'))).toBe(true)
    })

    it('counts every new login as a new user when tokens name no user at all', async () => {
      expect(await keptAcrossLogins(hasura(), hasura())).toBe(false)
      expect(await keptAcrossLogins({ sub: undefined }, { sub: undefined })).toBe(false)
    })

    it('keeps the cache through a refresh of a login whose tokens name no user', async () => {
      const { client, refresh } = setup()
      refresh.mockImplementation(async () => ({ accessToken: createTestJwt({ sub: undefined }), refreshToken: 'rt-2' }))
      const cache = newQueryClient()
      bindQueryClient(client, cache)
      client.login({ accessToken: createTestJwt({ sub: undefined }), refreshToken: 'rt-1' })
      cache.setQueryData(KEY, { owner: 'first' })
      await client.refresh()
      expect(cache.getQueryData(KEY)).toEqual({ owner: 'first' })
    })
  })
})

describe('useBindQueryClient', () => {
  function Bind({ auth }: { auth: AuthClient }) {
    useBindQueryClient(auth)
    return null
  }

  it('clears the cache on a user switch while mounted (under StrictMode)', async () => {
    const { client, api, login } = setup()
    serveOwnData(api)
    login()
    // The recipe without bindQueryClient: defaults given to the QueryClient, clearing by the hook.
    const qc = (queryClient = new QueryClient({
      defaultOptions: { queries: { queryFn: createQueryFn(client), retry: shouldRetry, retryDelay: 0 } },
    }))
    const renders = renderTodos(client, qc, <Bind auth={client} />)
    await screen.findByText('owner:user-1')

    act(() => loginAs(client, api, 'user-2'))

    await screen.findByText('owner:user-2')
    neverShowedForeignData(renders)
  })

  it('notices a logout that happened while nothing was bound', async () => {
    const { client, login } = setup()
    login()
    const qc = newQueryClient()
    const view = render(
      <QueryClientProvider client={qc}>
        <Bind auth={client} />
      </QueryClientProvider>,
    )
    qc.setQueryData(['/api/me'], { owner: 'user-1' })
    view.unmount()
    await client.logout()

    render(
      <QueryClientProvider client={qc}>
        <Bind auth={client} />
      </QueryClientProvider>,
    )

    expect(qc.getQueryData(['/api/me'])).toBeUndefined()
  })

  it('takes the client from <AuthProvider> when none is passed', async () => {
    const { client, login } = setup()
    login()
    const qc = newQueryClient()
    function BindFromProvider() {
      useBindQueryClient()
      return null
    }
    render(
      <AuthProvider client={client}>
        <QueryClientProvider client={qc}>
          <BindFromProvider />
        </QueryClientProvider>
      </AuthProvider>,
    )
    qc.setQueryData(['/api/me'], { owner: 'user-1' })
    await act(() => client.logout())
    expect(qc.getQueryData(['/api/me'])).toBeUndefined()
  })

  it('names the fix when neither a client nor a provider is there', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    function BindFromNowhere() {
      useBindQueryClient()
      return null
    }
    expect(() =>
      render(
        <QueryClientProvider client={newQueryClient()}>
          <BindFromNowhere />
        </QueryClientProvider>,
      ),
    ).toThrow(/useBindQueryClient\(\) was called outside <AuthProvider>/)
  })
})

describe('retry', () => {
  it.each([
    ['HTTP 401 after the refresh and replay', 401, 2],
    ['HTTP 403', 403, 1],
  ])('does not retry %s (network calls: %i)', async (_label, status, calls) => {
    const { client, api, login } = setup()
    login()
    api.respond(() => json({ error: 'no' }, status))
    bindQueryClient(client, newQueryClient(), { defaults: true })
    renderTodos(client, queryClient)

    await screen.findByText('status:error')

    expect(api.fetch).toHaveBeenCalledTimes(calls)
    expect(queryClient.getQueryState(KEY)).toMatchObject({ fetchFailureCount: 1, error: { name: 'HttpError', status } })
  })

  it('does not retry without a session, and never reaches the network', async () => {
    const { client, api } = setup()
    bindQueryClient(client, newQueryClient(), { defaults: true })
    renderTodos(client, queryClient)

    await screen.findByText('status:error')

    expect(api.fetch).not.toHaveBeenCalled()
    expect(queryClient.getQueryState(KEY)).toMatchObject({ fetchFailureCount: 1, error: { name: 'AuthError', code: 'unauthenticated' } })
  })

  it("keeps React Query's default of 3 retries for other failures", async () => {
    const { client, api, login } = setup()
    login()
    api.respond(() => json({ error: 'down' }, 503))
    bindQueryClient(client, newQueryClient(), { defaults: true })
    renderTodos(client, queryClient)

    await screen.findByText('status:error')

    expect(api.fetch).toHaveBeenCalledTimes(4)
    expect(queryClient.getQueryState(KEY)).toMatchObject({ fetchFailureCount: 4, error: { status: 503 } })
  })

  it('succeeds inside a query after a 401 → refresh → replay', async () => {
    const { client, api, refresh, login } = setup()
    serveOwnData(api)
    login({ accepted: false })
    bindQueryClient(client, newQueryClient(), { defaults: true })
    renderTodos(client, queryClient)

    await screen.findByText('owner:user-1')

    expect(refresh).toHaveBeenCalledTimes(1)
    expect(api.fetch).toHaveBeenCalledTimes(2)
  })
})
