// The React Router 7 recipe (docs/recipes.md) against the reference server.
import { act, fireEvent, render, screen } from '@testing-library/react'
import { createMemoryRouter, RouterProvider } from 'react-router'
import { AuthProvider } from 'jwt-tab-session'
import { expect, it } from 'vitest'
import { stubNetwork } from './support/network'
import { auth } from './react-router/auth'
import { safeReturnTo } from './react-router/LoginPage'
import { routes } from './react-router/routes'

it('sends a visitor to the login page and back to the page, query included, after signing in', async () => {
  stubNetwork()
  const router = createMemoryRouter(routes, { initialEntries: ['/account?tab=billing#plan'] })
  render(
    <AuthProvider client={auth}>
      <RouterProvider router={router} />
    </AuthProvider>,
  )

  fireEvent.change(await screen.findByLabelText('Username'), { target: { value: 'alice' } })
  expect(router.state.location.pathname).toBe('/login')
  expect(new URLSearchParams(router.state.location.search).get('returnTo')).toBe('/account?tab=billing#plan')
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'alice-password' } })
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))

  expect(await screen.findByRole('heading', { name: 'Signed in as Alice' })).toBeTruthy()
  expect(router.state.location).toMatchObject({ pathname: '/account', search: '?tab=billing', hash: '#plan' })
  expect(router.state.historyAction).toBe('REPLACE') // Back does not return to the login page

  // signing out on a guarded page sends the visitor to the login page again
  await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Sign out' })))
  await screen.findByLabelText('Username')
  expect(router.state.location.pathname).toBe('/login')
})

it('never redirects off-site after login', () => {
  expect(safeReturnTo('/account?tab=1')).toBe('/account?tab=1')
  for (const evil of ['//evil.example', 'https://evil.example', '/\\evil.example', null]) expect(safeReturnTo(evil)).toBe('/')
})
