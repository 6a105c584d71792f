import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { auth, useAuth } from '../auth'

interface Todo {
  id: string
  title: string
  completed: boolean
}

const TODOS = ['/api/todos']

export function TodosPage() {
  const name = useAuth((s) => s.claims?.name)
  // No queryFn here: the QueryClient's default (createQueryFn) GETs the URL in the key through auth.fetch.
  const todos = useQuery<Todo[]>({ queryKey: TODOS })

  return (
    <section>
      <h2>{name}'s todos</h2>
      {todos.isPending ? (
        <p className="muted">Loading…</p>
      ) : todos.isError ? (
        <p className="error" role="alert">
          {todos.error.message}
        </p>
      ) : (
        <ul className="todos" data-testid="todos">
          {todos.data.map((todo) => (
            <li key={todo.id}>{todo.title}</li>
          ))}
        </ul>
      )}
      <AddTodo />
    </section>
  )
}

function AddTodo() {
  const queryClient = useQueryClient()
  const [title, setTitle] = useState('')
  const add = useMutation({
    mutationFn: async (newTitle: string) => {
      // auth.fetch adds the Bearer token, and on a 401 refreshes once and replays the request.
      const response = await auth.fetch('/api/todos', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: newTitle }),
      })
      if (!response.ok) throw new Error(`Adding the todo failed: HTTP ${response.status}`)
      return (await response.json()) as Todo
    },
    onSuccess: () => {
      setTitle('')
      return queryClient.invalidateQueries({ queryKey: TODOS })
    },
  })

  function submit(event: FormEvent) {
    event.preventDefault()
    if (title.trim()) add.mutate(title.trim())
  }

  return (
    <form onSubmit={submit} className="add-todo">
      <input aria-label="New todo" placeholder="Something to do" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} />
      <button type="submit" disabled={add.isPending}>
        Add
      </button>
      {add.isError && <p className="error">{add.error.message}</p>}
    </form>
  )
}
