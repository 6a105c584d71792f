// routes.tsx — a public home, the login page and a guarded account page
import type { RouteObject } from 'react-router'
import { useAuth } from 'jwt-tab-session'
import { LoginPage } from './LoginPage'
import { Protected } from './Protected'

function AccountPage() {
  const { claims, logout } = useAuth()
  return (
    <>
      <h1>Signed in as {String(claims?.name)}</h1>
      <button onClick={() => logout()}>Sign out</button>
    </>
  )
}

export const routes: RouteObject[] = [
  { path: '/', element: <h1>Home</h1> },
  { path: '/login', element: <LoginPage /> },
  {
    path: '/account',
    element: (
      <Protected>
        <AccountPage />
      </Protected>
    ),
  },
]
