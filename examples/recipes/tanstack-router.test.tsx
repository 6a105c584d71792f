// The TanStack Router recipe (docs/recipes.md): beforeLoad awaits auth.ready(), against the
// reference server, in a new tab beside another "tab" (createTabHarness) where one is needed.
import { act, fireEvent, render, screen } from '@testing-library/react'
import { createMemoryHistory, createRouter, RouterProvider } from '@tanstack/react-router'
import { AuthProvider, type AuthClient, type AuthEvent } from 'jwt-tab-session'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { stubNetwork } from './support/network'
import { browserTabs } from './support/tabs'
import { auth as appAuth } from './tanstack-router/auth'
import { routeTree } from './tanstack-router/router'
import { onSessionChange } from './tanstack-router/sessionChange'

const { openTab, signedInTab, stopAll } = browserTabs()
afterEach(stopAll)
beforeEach(() => void vi.spyOn(window, 'scrollTo').mockImplementation(() => {})) // jsdom has no scrolling; the router restores scroll

const routerAt = (href: string, auth: AuthClient) =>
  createRouter({ routeTree, context: { auth }, history: createMemoryHistory({ initialEntries: [href] }) })

function renderApp(router: ReturnType<typeof routerAt>, auth: AuthClient) {
  render(
    <AuthProvider client={auth}>
      <RouterProvider router={router} />
    </AuthProvider>,
  )
}

it('sends a visitor to the login route and back to the page, search included, after signing in', async () => {
  stubNetwork()
  const router = routerAt('/account?tab=billing', appAuth) // the app's own client, as in main.tsx
  renderApp(router, appAuth)

  fireEvent.change(await screen.findByLabelText('Username'), { target: { value: 'alice' } })
  expect(router.state.location.pathname).toBe('/login')
  expect(router.state.location.search).toEqual({ returnTo: '/account?tab=billing' })
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'alice-password' } })
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))

  expect(await screen.findByRole('heading', { name: 'Signed in as Alice' })).toBeTruthy()
  expect(router.state.location.pathname).toBe('/account')
  expect(router.state.location.search).toEqual({ tab: 'billing' })
})

it('signs in at a plain /login and lands on the home page', async () => {
  stubNetwork()
  const router = routerAt('/login', appAuth)
  renderApp(router, appAuth)

  fireEvent.change(await screen.findByLabelText('Username'), { target: { value: 'alice' } })
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'alice-password' } })
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))

  expect(await screen.findByRole('heading', { name: 'Home' })).toBeTruthy()
  expect(router.state.location.pathname).toBe('/')
  expect(router.state.matches.at(-1)?.status).toBe('success') // a real page, not the router's Not Found
  expect(appAuth.getSnapshot().status).toBe('authenticated')
})

it("opens a deep link in a new tab: beforeLoad sees the other tab's session before any provider mounts", async () => {
  const { signIn, seen } = stubNetwork()
  await signedInTab(signIn)
  const events: AuthEvent[] = []
  const auth = openTab((event) => events.push(event))

  const router = routerAt('/account?tab=billing', auth)
  await router.load() // nothing rendered, nothing started the client
  expect(router.state.location.pathname).toBe('/account')
  expect(router.state.location.search).toEqual({ tab: 'billing' })
  expect(router.state.matches.at(-1)?.loaderData).toMatchObject({ name: 'Alice' })
  expect(events).toContainEqual(expect.objectContaining({ type: 'session_adopted', from: 'handoff' }))
  expect(seen.filter((r) => r.url.endsWith('/api/me'))).toEqual([
    expect.objectContaining({ authorization: expect.stringMatching(/^Bearer /) }),
  ])
  expect(seen.filter((r) => r.url.endsWith('/auth/refresh'))).toEqual([]) // handed over, not refreshed

  renderApp(router, auth)
  expect(await screen.findByRole('heading', { name: 'Signed in as Alice' })).toBeTruthy()
})

it('redirects a deep link to the login route with returnTo when no tab has a session, without running the loader', async () => {
  const { seen } = stubNetwork()
  const router = routerAt('/account?tab=billing', openTab())
  await router.load()
  expect(router.state.location.pathname).toBe('/login')
  expect(router.state.location.search).toEqual({ returnTo: '/account?tab=billing' })
  expect(seen.filter((r) => r.url.endsWith('/api/me'))).toEqual([]) // beforeLoad stopped it
})

it('invalidates when another tab signs out, and lands on the login route', async () => {
  const { signIn } = stubNetwork()
  const other = await signedInTab(signIn)
  const auth = openTab()
  const router = routerAt('/account?tab=billing', auth)
  const invalidate = vi.spyOn(router, 'invalidate')
  const stopWatching = onSessionChange(auth, () => void router.invalidate())
  renderApp(router, auth)
  expect(await screen.findByRole('heading', { name: 'Signed in as Alice' })).toBeTruthy()
  expect(invalidate).not.toHaveBeenCalled() // the first answer is what beforeLoad awaited

  await act(() => other.logout())
  expect(await screen.findByLabelText('Username')).toBeTruthy()
  expect(invalidate).toHaveBeenCalledTimes(1)
  expect(router.state.location.pathname).toBe('/login')
  expect(router.state.location.search).toEqual({ returnTo: '/account?tab=billing' })
  expect(auth.getSnapshot().ended).toEqual({ reason: 'user', fromOtherTab: true })
  stopWatching()
})
