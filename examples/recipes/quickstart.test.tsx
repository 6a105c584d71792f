// The README's quickstart, file for file, against the reference server.
import { act, fireEvent, screen, waitFor } from '@testing-library/react'
import { expect, it } from 'vitest'
import { stubNetwork } from './support/network'

it('signs in with the form, sends the Bearer, refreshes once on a 401, and signs out on the server', async () => {
  const { server, seen } = stubNetwork()
  document.body.innerHTML = '<div id="root"></div>'
  await act(() => import('./quickstart/main'))
  const { auth } = await import('./quickstart/auth')

  fireEvent.change(await screen.findByLabelText('Username'), { target: { value: 'alice' } })
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'alice-password' } })
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
  const signOut = await screen.findByRole('button', { name: 'Sign out user-alice' })
  expect(sessionStorage.length).toBe(1) // the session lives in this tab's sessionStorage

  // auth.fetch sends the Bearer; a revoked token's 401 → one refresh → one replay
  const before = server.control.counters().refreshes
  server.control.revokeAccessToken(auth.getSnapshot().accessToken!)
  const response = await act(() => auth.fetch('/api/me'))
  expect(response.status).toBe(200)
  expect(await response.json()).toMatchObject({ username: 'alice' })
  expect(server.control.counters().refreshes - before).toBe(1)
  expect(seen.filter((r) => r.url.endsWith('/api/me')).map((r) => r.authorization?.startsWith('Bearer '))).toEqual([true, true])

  fireEvent.click(signOut)
  await screen.findByRole('button', { name: 'Sign in' })
  await waitFor(() => expect(server.control.counters().revocations).toBe(1))
  expect(sessionStorage.length).toBe(0)
})
