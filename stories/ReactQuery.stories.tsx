import { notifyManager, QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query'
import type { Meta, StoryObj } from '@storybook/react-vite'
import { useCallback, useState, useSyncExternalStore } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { AuthProvider, createAuthClient, type AuthClient } from '../src'
import { createQueryFn, shouldRetry, useBindQueryClient } from '../src/react-query'
import type { DemoClaims } from '../examples/shared/app'
import { restAuthOptions, useAuth } from './support/auth'
import { DemoApp, StoryLayout } from './support/app'
import { useStoryEnv } from './support/env'
import { EventLog, useEventLog } from './support/eventLog'
import { ServerPanel } from './support/serverPanel'
import { expectSignedIn, shownJti, signIn } from './support/play'
import { storyEnv } from './support/storyServer'

interface Todo {
  id: string
  title: string
}

/** Rendered signed in or not: only the cleared cache keeps the previous user's list off the screen. */
function Todos() {
  const queryClient = useQueryClient()
  const isAuthenticated = useAuth((auth) => auth.isAuthenticated)
  // No queryFn here: the default one (createQueryFn) GETs the key's URL through auth.fetch.
  const todos = useQuery<Todo[]>({ queryKey: ['/api/todos'], enabled: isAuthenticated })
  // What the cache holds for this key, whatever the component renders. Batched like React
  // Query's own hooks: the cache changes while useQuery renders.
  const subscribe = useCallback(
    (onChange: () => void) => queryClient.getQueryCache().subscribe(notifyManager.batchCalls(onChange)),
    [queryClient],
  )
  const cached = useSyncExternalStore(subscribe, () => queryClient.getQueryData<Todo[]>(['/api/todos'])?.length ?? 'nothing')
  return (
    <section className="panel" aria-label="Todos">
      <h3>Todos (useQuery → GET /api/todos)</h3>
      <button type="button" disabled={!isAuthenticated} onClick={() => void todos.refetch()}>
        Reload todos
      </button>
      {todos.error && <p role="alert">{todos.error.message}</p>}
      {todos.data ? (
        <ul aria-label="Todo list" data-updated-at={todos.dataUpdatedAt}>
          {todos.data.map((todo) => (
            <li key={todo.id}>{todo.title}</li>
          ))}
        </ul>
      ) : (
        <p className="muted">No todos loaded.</p>
      )}
      <p className="muted">
        Fetch: <output aria-label="Fetch status">{todos.fetchStatus}</output> · Todos in the cache:{' '}
        <output aria-label="Todos in the cache">{cached}</output>
      </p>
    </section>
  )
}

function RevokeTokenButton() {
  const { server } = useStoryEnv()
  const accessToken = useAuth((auth) => auth.accessToken)
  return (
    <button type="button" disabled={!accessToken} onClick={() => accessToken && server.control.revokeAccessToken(accessToken)}>
      Revoke the current access token
    </button>
  )
}

/** `bindQueryClient` for the component's life: the cache follows the session (logout, user switch, any tab). */
function BindQueryClient({ auth }: { auth: AuthClient<DemoClaims> }) {
  useBindQueryClient(auth)
  return null
}

function ReactQueryDemo() {
  const { storageKey } = useStoryEnv()
  const { events, onEvent } = useEventLog()
  // One client for the app, shared by React and the query client.
  const [auth] = useState(() => createAuthClient<DemoClaims>({ ...restAuthOptions(storageKey), onEvent }))
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { queryFn: createQueryFn(auth), retry: shouldRetry, staleTime: Infinity } } }),
  )
  return (
    <AuthProvider client={auth}>
      <QueryClientProvider client={queryClient}>
        <BindQueryClient auth={auth} />
        <StoryLayout
          app={
            <>
              <DemoApp />
              <Todos />
            </>
          }
          side={
            <>
              <ServerPanel>
                <RevokeTokenButton />
              </ServerPanel>
              <EventLog events={events} />
            </>
          }
        />
      </QueryClientProvider>
    </AuthProvider>
  )
}

const meta = {
  title: 'Flows/7 React Query',
  render: () => <ReactQueryDemo />,
} satisfies Meta

export default meta
type Story = StoryObj<typeof meta>

/**
 * The server revokes the access token the app holds. The next query meets a 401; `auth.fetch`
 * refreshes once and replays it, so the query succeeds and the user sees nothing. Logging out then
 * cancels and clears the cache: the list disappears, and no stale data is rendered.
 */
export const RefreshOn401AndClearOnLogout: Story = {
  play: async (context) => {
    const { canvasElement, step } = context
    const { server } = storyEnv(context)
    const canvas = within(canvasElement)
    await step('Sign in: the todos load', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    await expect(await canvas.findByText('Buy milk')).toBeVisible()
    await expect(canvas.getByLabelText('Todos in the cache')).toHaveTextContent('2')
    const firstJti = shownJti(canvasElement)
    const loadedAt = canvas.getByLabelText('Todo list').dataset.updatedAt

    await step('The server revokes the access token; reload', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Revoke the current access token' }))
      await userEvent.click(canvas.getByRole('button', { name: 'Reload todos' }))
    })
    await waitFor(() => expect(server.control.counters()).toMatchObject({ refreshes: 1, unauthorized: 1 }))
    await waitFor(() => expect(shownJti(canvasElement)).not.toBe(firstJti))
    await waitFor(() => expect(canvas.getByLabelText('Fetch status')).toHaveTextContent('idle'))
    await expect(canvas.getByLabelText('Todo list').dataset.updatedAt).not.toBe(loadedAt)
    await expect(canvas.getByText('Buy milk')).toBeVisible()
    await expect(canvas.queryByRole('alert')).toBeNull()

    await step('Log out', () => userEvent.click(canvas.getByRole('button', { name: 'Log out' })))
    await expect(canvas.queryByText('Buy milk')).toBeNull()
    await expect(canvas.getByText('No todos loaded.')).toBeVisible()
    await expect(canvas.getByLabelText('Todos in the cache')).toHaveTextContent('nothing')
  },
}
