// router.tsx — TanStack Router: a guarded layout route and a login route that returns
import type { FormEvent } from 'react'
import { createRootRoute, createRoute, createRouter, Outlet, useLocation, useNavigate } from '@tanstack/react-router'
import { RequireAuth, useAuth } from 'react-jwt-session'

/** Only a path on this site: `//evil.example` or `https://evil.example` would be an open redirect. */
function safeReturnTo(value: string | undefined): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/'
}

// A named component, so the hooks follow the rules of hooks.
function ProtectedLayout() {
  const navigate = useNavigate()
  const location = useLocation()
  return (
    <RequireAuth
      fallback={<p>Loading…</p>}
      returnTo={location.href} // the router's path, search and hash
      onUnauthenticated={({ returnTo }) => void navigate({ to: '/login', search: { returnTo }, replace: true })}
    >
      <Outlet />
    </RequireAuth>
  )
}

function LoginPage() {
  const { login } = useAuth()
  const { returnTo } = loginRoute.useSearch()
  const navigate = useNavigate()
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const response = await fetch('/auth/login', {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(new FormData(event.currentTarget))),
    })
    if (!response.ok) return
    login(await response.json())
    await navigate({ href: safeReturnTo(returnTo), replace: true }) // back to the guarded page
  }
  return (
    <form onSubmit={onSubmit}>
      <input name="username" aria-label="Username" />
      <input name="password" type="password" aria-label="Password" />
      <button>Sign in</button>
    </form>
  )
}

function AccountPage() {
  const name = useAuth((s) => s.claims?.name)
  return <h1>Signed in as {String(name)}</h1>
}

const rootRoute = createRootRoute({ component: Outlet })
const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  validateSearch: (search: Record<string, unknown>): { returnTo?: string } =>
    typeof search.returnTo === 'string' ? { returnTo: search.returnTo } : {},
  component: LoginPage,
})
const protectedRoute = createRoute({ getParentRoute: () => rootRoute, id: 'protected', component: ProtectedLayout })
const accountRoute = createRoute({ getParentRoute: () => protectedRoute, path: '/account', component: AccountPage })

export const routeTree = rootRoute.addChildren([loginRoute, protectedRoute.addChildren([accountRoute])])
export const router = createRouter({ routeTree })

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router
  }
}
