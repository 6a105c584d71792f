// The TanStack Router recipe (docs/recipes.md) against the reference server.
import { fireEvent, render, screen } from '@testing-library/react'
import { createMemoryHistory, createRouter, RouterProvider } from '@tanstack/react-router'
import { AuthProvider } from 'react-jwt-session'
import { expect, it, vi } from 'vitest'
import { stubNetwork } from './support/network'
import { auth } from './tanstack-router/auth'
import { routeTree } from './tanstack-router/router'

it('sends a visitor to the login route and back to the page, search included, after signing in', async () => {
  stubNetwork()
  vi.spyOn(window, 'scrollTo').mockImplementation(() => {}) // jsdom has no scrolling; the router restores scroll
  const router = createRouter({ routeTree, history: createMemoryHistory({ initialEntries: ['/account?tab=billing'] }) })
  render(
    <AuthProvider client={auth}>
      <RouterProvider router={router} />
    </AuthProvider>,
  )

  fireEvent.change(await screen.findByLabelText('Username'), { target: { value: 'alice' } })
  expect(router.state.location.pathname).toBe('/login')
  expect(router.state.location.search).toEqual({ returnTo: '/account?tab=billing' })
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'alice-password' } })
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))

  expect(await screen.findByRole('heading', { name: 'Signed in as Alice' })).toBeTruthy()
  expect(router.state.location.pathname).toBe('/account')
  expect(router.state.location.search).toEqual({ tab: 'billing' })
})
