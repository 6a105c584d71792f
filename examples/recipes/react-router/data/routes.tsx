// data/routes.tsx — the same pages on a data router: the middleware guards, the loader fetches with the token
import { useLoaderData, type RouteObject } from 'react-router'
import { useAuth, type AuthClient } from 'jwt-tab-session'
import { LoginPage } from '../LoginPage'
import { requireAuth } from './requireAuth'

interface Profile {
  name: string
}

function AccountPage() {
  const profile = useLoaderData<Profile>()
  const { logout } = useAuth()
  return (
    <>
      <h1>Signed in as {profile.name}</h1>
      <button onClick={() => logout()}>Sign out</button>
    </>
  )
}

export function dataRoutes(auth: AuthClient): RouteObject[] {
  return [
    { path: '/', element: <h1>Home</h1> },
    { path: '/login', element: <LoginPage /> },
    {
      middleware: [requireAuth(auth)], // runs before every loader below: signed out, none of them does
      hydrateFallbackElement: <p>Loading…</p>, // while the first load waits for the session
      children: [
        {
          id: 'account',
          path: '/account',
          loader: async ({ request }): Promise<Profile> => {
            const response = await auth.fetch('/api/me', { signal: request.signal }) // the Bearer, in a new tab too
            if (!response.ok) throw response
            return response.json()
          },
          element: <AccountPage />,
        },
      ],
    },
  ]
}
