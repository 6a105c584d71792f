// The user directory: seeded accounts the demo prints and the tests log in with.

/** A user to seed the reference server with. */
export interface UserInput {
  username: string
  password: string
  id?: string
  roles?: string[]
  name?: string
}

/** A seeded user with the password to log in with. */
export interface ServerUser {
  readonly username: string
  readonly password: string
  readonly id: string
  readonly roles: string[]
  readonly name: string
}

export const DEFAULT_USERS: readonly UserInput[] = [
  { username: 'alice', password: 'alice-password', id: 'user-alice', name: 'Alice', roles: ['user'] },
  { username: 'admin', password: 'admin-password', id: 'user-admin', name: 'Admin', roles: ['user', 'admin'] },
]

export function normalizeUsers(input: readonly UserInput[] = DEFAULT_USERS): readonly ServerUser[] {
  const seen = new Set<string>()
  return Object.freeze(
    input.map((u) => {
      // A configuration mistake in a test or the demo: fail at creation, loudly.
      if (seen.has(u.username)) throw new Error(`createAuthServer: duplicate username "${u.username}"`)
      seen.add(u.username)
      const roles = u.roles && u.roles.length > 0 ? [...u.roles] : ['user']
      return Object.freeze({
        username: u.username,
        password: u.password,
        id: u.id ?? `user-${u.username}`,
        roles,
        name: u.name ?? u.username,
      })
    }),
  )
}

/** Hasura picks the default role from this claim; prefer the least privileged common role. */
export function defaultRole(user: ServerUser): string {
  return user.roles.includes('user') ? 'user' : (user.roles[0] ?? 'user')
}
