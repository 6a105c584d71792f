// The React Query page of reactQuery.e2e.test.ts: the app of docs/fetch-and-react-query.md (a
// QueryClient bound to the session, a todo list that reads nothing of the session), with every
// render recorded in `window.rq.renders` together with the user the client held at that render.
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query'
import { createElement } from 'react'
import { createRoot } from 'react-dom/client'
import { createAuthClient, restRefresh, restRevoke } from '../../../src/core'
import { bindQueryClient, createQueryFn, shouldRetry } from '../../../src/react-query'

export interface ReactQueryRender {
  /** Whose session the tab held when the list rendered (read, not subscribed to). */
  user: string | null
  titles: string[]
}

declare global {
  interface Window {
    rq: { renders: ReactQueryRender[]; login(username: string, password: string): Promise<void>; user(): string | null }
  }
}

const auth = createAuthClient({ refresh: restRefresh({ url: '/auth/refresh' }), revoke: restRevoke({ url: '/auth/logout' }) })
const queryClient = new QueryClient({ defaultOptions: { queries: { queryFn: createQueryFn(auth), retry: shouldRetry } } })
bindQueryClient(auth, queryClient)
const renders: ReactQueryRender[] = []
const user = () => (auth.getSnapshot().claims?.sub as string | undefined) ?? null

function Todos() {
  const { data } = useQuery<{ id: string; title: string }[]>({ queryKey: ['/api/todos'] })
  const titles = data?.map((todo) => todo.title) ?? []
  renders.push({ user: user(), titles })
  return createElement('ul', null, ...titles.map((title) => createElement('li', { key: title }, title)))
}

window.rq = {
  renders,
  user,
  async login(username, password) {
    const response = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
      credentials: 'include',
    })
    if (!response.ok) throw new Error(`login answered HTTP ${response.status}`)
    auth.login((await response.json()) as { accessToken: string; refreshToken: string })
  },
}

auth.start()
createRoot(document.body.appendChild(document.createElement('main'))).render(
  createElement(QueryClientProvider, { client: queryClient }, createElement(Todos)),
)
