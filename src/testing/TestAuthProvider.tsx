'use client'
import { useState, type ReactNode } from 'react'
import type { JwtClaims } from '../core/tokens'
import { AuthProvider } from '../react/AuthProvider'
import { createTestAuthClient, type TestAuthOptions } from './testClient'

/**
 * Renders children inside an AuthProvider whose session is already settled, in one line:
 * `render(<TestAuthProvider claims={{ sub: 'u1', roles: ['admin'] }}><Page /></TestAuthProvider>)`.
 * Without `claims` the session is signed out. Options are read once, on the first render.
 */
export function TestAuthProvider<TClaims extends JwtClaims = JwtClaims>({
  children,
  ...options
}: TestAuthOptions<TClaims> & { children?: ReactNode }) {
  const [client] = useState(() => createTestAuthClient<TClaims>(options))
  return <AuthProvider client={client}>{children}</AuthProvider>
}
