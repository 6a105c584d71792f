// Per-user todo lists, so a user switch in the client is visible in the data it shows.
import type { ServerUser } from './users'

export interface Todo {
  id: string
  title: string
  completed: boolean
  createdAt: string
}

const SEED: Record<string, string[]> = {
  alice: ['Buy milk', 'Write the refresh tests'],
  admin: ['Review access logs'],
}

export interface TodoStore {
  list(userId: string): Todo[]
  add(userId: string, title: string): Todo
}

export function createTodoStore(users: readonly ServerUser[], now: () => number): TodoStore {
  let nextId = 1
  const byUser = new Map<string, Todo[]>()
  const make = (title: string): Todo => ({
    id: String(nextId++),
    title,
    completed: false,
    createdAt: new Date(now()).toISOString(),
  })
  for (const user of users) byUser.set(user.id, (SEED[user.username] ?? []).map(make))

  return {
    list: (userId) => (byUser.get(userId) ?? []).map((t) => ({ ...t })),
    add(userId, title) {
      const todo = make(title)
      const list = byUser.get(userId) ?? []
      list.push(todo)
      byUser.set(userId, list)
      return { ...todo }
    },
  }
}
