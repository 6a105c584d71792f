// Profile.tsx
import { useAuth } from 'jwt-tab-session'

export function Profile() {
  const name = useAuth((s) => s.claims?.name)
  if (typeof name !== 'string') return <a href="/login">Sign in</a>
  return <p>Hello {name}</p>
}
