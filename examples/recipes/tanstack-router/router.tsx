// router.tsx — TanStack Router: a public home, a login route that returns, and a guarded layout route whose beforeLoad knows the session
import type { FormEvent } from 'react'
import { createRootRouteWithContext, createRoute, createRouter, Outlet, redirect, useNavigate } from '@tanstack/react-router'
import { useAuth, type AuthClient } from 'jwt-tab-session'
import { auth } from './auth'

/** Only a path on this site: `//evil.example` or `https://evil.example` would be an open redirect. */
function safeReturnTo(value: string | undefined): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/'
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
  const { name } = accountRoute.useLoaderData()
  const { logout } = useAuth()
  return (
    <>
      <h1>Signed in as {name}</h1>
      <button onClick={() => logout()}>Sign out</button>
    </>
  )
}

// The client comes in the router's context, so a test can hand in its own.
const rootRoute = createRootRouteWithContext<{ auth: AuthClient }>()({ component: Outlet })
const homeRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  component: () => <h1>Home</h1>, // where a sign-in without returnTo ends
})
const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  validateSearch: (search: Record<string, unknown>): { returnTo?: string } =>
    typeof search.returnTo === 'string' ? { returnTo: search.returnTo } : {},
  component: LoginPage,
})
const protectedRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'protected',
  // Before the child routes load: the session restored, or handed over by another tab, also before
  // <AuthProvider> has started the client. Signed out, to the login page with the way back.
  beforeLoad: async ({ context, location }) => {
    const { status } = await context.auth.ready()
    if (status !== 'authenticated') throw redirect({ to: '/login', search: { returnTo: location.href }, replace: true })
  },
})
const accountRoute = createRoute({
  getParentRoute: () => protectedRoute,
  path: '/account',
  loader: async ({ context, abortController }): Promise<{ name: string }> => {
    const response = await context.auth.fetch('/api/me', { signal: abortController.signal }) // the Bearer, in a new tab too
    if (!response.ok) throw new Error(`GET /api/me: ${response.status}`)
    return response.json()
  },
  component: AccountPage,
})

export const routeTree = rootRoute.addChildren([homeRoute, loginRoute, protectedRoute.addChildren([accountRoute])])
export const router = createRouter({ routeTree, context: { auth } })

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router
  }
}
