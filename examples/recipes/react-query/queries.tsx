// queries.tsx
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query'
import { AuthProvider, isAuthError } from 'jwt-tab-session'
import { bindQueryClient, createQueryFn, shouldRetry } from 'jwt-tab-session/react-query'
import { auth } from './auth'

const queryClient = new QueryClient({
  defaultOptions: { queries: { queryFn: createQueryFn(auth), retry: shouldRetry } },
})
bindQueryClient(auth, queryClient) // or, inside both providers: useBindQueryClient()

// Reads nothing of the session: a logout or another user, in any tab, starts the query over with no data.
function Todos() {
  const { data, error } = useQuery<{ id: string; title: string }[]>({ queryKey: ['/api/todos', { page: 2 }] }) // GET /api/todos?page=2 with the Bearer
  if (isAuthError(error) && error.code === 'unauthenticated') return <p>Sign in to see your todos.</p> // signed out: nothing was sent
  if (error) return <p role="alert">The todos could not be loaded.</p>
  if (!data) return <p>Loading…</p>
  return (
    <ul>
      {data.map((todo) => (
        <li key={todo.id}>{todo.title}</li>
      ))}
    </ul>
  )
}

export function App() {
  return (
    <AuthProvider client={auth}>
      <QueryClientProvider client={queryClient}>
        <Todos />
      </QueryClientProvider>
    </AuthProvider>
  )
}
