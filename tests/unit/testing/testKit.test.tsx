import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { RequireAuth, useAuth } from '../../../src/react'
import { createTestAuthClient, TestAuthProvider } from '../../../src/testing'

function Greeting() {
  const name = useAuth((s) => s.claims?.name as string | undefined)
  return <p>Hello {name}</p>
}

describe('TestAuthProvider', () => {
  it('renders a signed-in component in one line', () => {
    render(
      <TestAuthProvider claims={{ sub: 'u1', name: 'Ada' }}>
        <Greeting />
      </TestAuthProvider>,
    )
    expect(screen.getByText('Hello Ada')).toBeTruthy()
  })

  it('renders the signed-out state without claims, so guards show their fallback', () => {
    render(
      <TestAuthProvider>
        <RequireAuth fallback={<p>please sign in</p>}>secret</RequireAuth>
      </TestAuthProvider>,
    )
    expect(screen.getByText('please sign in')).toBeTruthy()
    expect(screen.queryByText('secret')).toBeNull()
  })
})

describe('createTestAuthClient', () => {
  it('is signed in with the given claims and refreshes to a new token with the same claims', async () => {
    const client = createTestAuthClient({ claims: { sub: 'u2', roles: ['admin'] } })
    const first = client.getSnapshot().accessToken
    await client.refresh()
    expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', claims: { sub: 'u2', roles: ['admin'] } })
    expect(client.getSnapshot().accessToken).not.toBe(first)
  })

  it('is signed out without claims', () => {
    expect(createTestAuthClient().getSnapshot().status).toBe('unauthenticated')
  })
})
