import { useQuery } from '@tanstack/react-query'
import { useAuth } from '../auth'

interface Profile {
  id: string
  username: string
  name: string
  roles: string[]
}

/** Reached only with the `admin` role (see the Guard in App.tsx). The server's view of the user. */
export function AdminPage() {
  const name = useAuth((s) => s.claims?.name)
  const me = useQuery<Profile>({ queryKey: ['/api/me'] })
  return (
    <section>
      <h2>Admin</h2>
      <p data-testid="admin-welcome">Welcome, {name}. Only accounts with the admin role see this page.</p>
      <h3>GET /api/me</h3>
      {me.isPending ? (
        <p className="muted">Loading…</p>
      ) : me.isError ? (
        <p className="error">{me.error.message}</p>
      ) : (
        <pre>{JSON.stringify(me.data, null, 2)}</pre>
      )}
    </section>
  )
}
