// Account.tsx — anywhere below the provider
import { useAuth } from 'jwt-tab-session'
import { LoginForm } from './LoginForm'

export function Account() {
  const { status, claims, logout } = useAuth()
  if (status === 'initializing') return <p>Loading…</p>
  if (status === 'unauthenticated') return <LoginForm />
  return <button onClick={() => logout()}>Sign out {claims?.sub}</button>
}
