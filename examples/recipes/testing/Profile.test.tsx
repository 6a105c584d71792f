// Profile.test.tsx
import { render, screen } from '@testing-library/react'
import { expect, it } from 'vitest'
import { TestAuthProvider } from 'jwt-tab-session/testing'
import { Profile } from './Profile'

it('greets the signed-in user', () => {
  render(
    <TestAuthProvider claims={{ sub: 'u1', name: 'Ada' }}>
      <Profile />
    </TestAuthProvider>,
  )
  expect(screen.getByText('Hello Ada')).toBeTruthy()
})

it('asks a signed-out visitor to sign in', () => {
  render(
    <TestAuthProvider>
      <Profile />
    </TestAuthProvider>,
  ) // no claims: signed out
  expect(screen.getByRole('link', { name: /sign in/i })).toBeTruthy()
})
