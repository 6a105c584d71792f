// The React Router 7 data router recipe (docs/recipes.md): middleware that awaits auth.ready(),
// in a new tab beside another "tab" (createTabHarness), against the reference server.
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { createMemoryRouter, RouterProvider } from 'react-router'
import { AuthProvider, type AuthEvent } from 'jwt-tab-session'
import { afterEach, expect, it, vi } from 'vitest'
import { stubNetwork } from './support/network'
import { browserTabs } from './support/tabs'
import { dataRoutes } from './react-router/data/routes'
import { onSessionChange } from './react-router/data/sessionChange'

const { openTab, signedInTab, stopAll } = browserTabs()
afterEach(stopAll)

/** The router has finished its first load, redirects included. */
const loaded = (router: ReturnType<typeof createMemoryRouter>) =>
  waitFor(() => expect(router.state).toMatchObject({ initialized: true, navigation: { state: 'idle' } }))

it("opens a deep link in a new tab: the loader sees the other tab's session before any provider mounts", async () => {
  const { signIn, seen } = stubNetwork()
  await signedInTab(signIn)
  const events: AuthEvent[] = []
  const auth = openTab((event) => events.push(event))

  const router = createMemoryRouter(dataRoutes(auth), { initialEntries: ['/account?tab=billing'] })
  await loaded(router)
  // Nothing rendered, nothing started the client: the middleware's ready() fetched the session.
  expect(router.state.location).toMatchObject({ pathname: '/account', search: '?tab=billing' })
  expect(router.state.loaderData).toMatchObject({ account: { name: 'Alice' } })
  expect(events).toContainEqual(expect.objectContaining({ type: 'session_adopted', from: 'handoff' }))
  expect(seen.filter((r) => r.url.endsWith('/api/me'))).toEqual([
    expect.objectContaining({ authorization: expect.stringMatching(/^Bearer /) }),
  ])
  expect(seen.filter((r) => r.url.endsWith('/auth/refresh'))).toEqual([]) // handed over, not refreshed

  render(
    <AuthProvider client={auth}>
      <RouterProvider router={router} />
    </AuthProvider>,
  )
  expect(await screen.findByRole('heading', { name: 'Signed in as Alice' })).toBeTruthy()
})

it('redirects a deep link to the login page with returnTo when no tab has a session, without running the loader', async () => {
  const { seen } = stubNetwork()
  const auth = openTab()

  const router = createMemoryRouter(dataRoutes(auth), { initialEntries: ['/account?tab=billing'] })
  await loaded(router)
  expect(router.state.location.pathname).toBe('/login')
  expect(new URLSearchParams(router.state.location.search).get('returnTo')).toBe('/account?tab=billing')
  expect(seen.filter((r) => r.url.endsWith('/api/me'))).toEqual([]) // the middleware ran before the loader, which never did

  // signing in goes back, and the loader now has its token
  render(
    <AuthProvider client={auth}>
      <RouterProvider router={router} />
    </AuthProvider>,
  )
  fireEvent.change(await screen.findByLabelText('Username'), { target: { value: 'alice' } })
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'alice-password' } })
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
  expect(await screen.findByRole('heading', { name: 'Signed in as Alice' })).toBeTruthy()
  expect(router.state.location).toMatchObject({ pathname: '/account', search: '?tab=billing' })
})

it('revalidates when another tab signs out, and lands on the login page', async () => {
  const { signIn } = stubNetwork()
  const other = await signedInTab(signIn)
  const auth = openTab()
  const router = createMemoryRouter(dataRoutes(auth), { initialEntries: ['/account?tab=billing'] })
  const revalidate = vi.spyOn(router, 'revalidate')
  const stopWatching = onSessionChange(auth, () => void router.revalidate())
  render(
    <AuthProvider client={auth}>
      <RouterProvider router={router} />
    </AuthProvider>,
  )
  expect(await screen.findByRole('heading', { name: 'Signed in as Alice' })).toBeTruthy()
  expect(revalidate).not.toHaveBeenCalled() // the first answer is what the middleware awaited

  await act(() => other.logout())
  expect(await screen.findByLabelText('Username')).toBeTruthy()
  expect(revalidate).toHaveBeenCalledTimes(1)
  expect(router.state.location.pathname).toBe('/login')
  expect(new URLSearchParams(router.state.location.search).get('returnTo')).toBe('/account?tab=billing')
  expect(auth.getSnapshot().ended).toEqual({ reason: 'user', fromOtherTab: true })
  stopWatching()
})
