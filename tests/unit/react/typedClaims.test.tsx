import { cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import { createAuthClient, type AuthClient } from '../../../src/core/client'
import type { JwtClaims } from '../../../src/core/tokens'
import {
  AuthProvider,
  createAuthHooks,
  getHasuraClaims,
  useAuth as useUntypedAuth,
  type HasuraClaims,
  type UseRequireAuthResult,
} from '../../../src/react'
import { createMemoryStorage } from '../../../src/testing'
import { loginPair, refreshSpy } from '../../support/session'

afterEach(cleanup)

type MyClaims = JwtClaims & { sub: string; role: 'admin' | 'viewer'; orgId: number }

// What an app writes once, next to its client:
const auth = createAuthClient<MyClaims>({ refresh: refreshSpy(), storage: createMemoryStorage(), channel: null, locks: null })
const { useAuth, useAuthClient, useRequireAuth, RequireAuth } = createAuthHooks<MyClaims>()

describe('typed claims', () => {
  it('types claims, selectors, guards and the client from createAuthHooks<MyClaims>() without casts', () => {
    const seen: string[] = []
    function Profile() {
      const { claims } = useAuth()
      expectTypeOf(claims).toEqualTypeOf<MyClaims | null>()
      const role = useAuth((s) => s.claims?.role)
      expectTypeOf(role).toEqualTypeOf<'admin' | 'viewer' | undefined>()
      const guard = useRequireAuth({ authorize: (c) => c.role === 'admin' })
      expectTypeOf(guard).toEqualTypeOf<UseRequireAuthResult<MyClaims>>()
      if (guard.status === 'authenticated') expectTypeOf(guard.claims.orgId).toEqualTypeOf<number>()
      expectTypeOf(useAuthClient()).toEqualTypeOf<AuthClient<MyClaims>>()
      seen.push(`${claims?.role}:${claims?.orgId}:${role}:${guard.status}`)
      return null
    }
    auth.login(loginPair({ sub: 'kim', role: 'admin', orgId: 7 }))
    render(
      <AuthProvider client={auth}>
        <Profile />
        <RequireAuth authorize={(c) => c.orgId === 7} forbidden="other org">
          org 7
        </RequireAuth>
      </AuthProvider>,
    )
    expect(seen.at(-1)).toBe('admin:7:admin:authenticated')
    expect(screen.getByText('org 7')).toBeTruthy()
  })

  it('rejects wrong claim names and types at compile time', () => {
    function Wrong() {
      const { claims } = useAuth()
      // @ts-expect-error role is 'admin' | 'viewer', not a number
      const role: number | undefined = claims?.role
      void role
      // @ts-expect-error orgId is a number
      useRequireAuth({ authorize: (c) => c.orgId === 'seven' })
      return null
    }
    expect(Wrong).toBeTypeOf('function')
  })

  it('keeps the untyped useAuth on JwtClaims', () => {
    function Untyped() {
      expectTypeOf(useUntypedAuth().claims).toEqualTypeOf<JwtClaims | null>()
      expectTypeOf(useUntypedAuth((s) => s.claims?.sub)).toEqualTypeOf<string | undefined>()
      return null
    }
    expect(Untyped).toBeTypeOf('function')
  })

  it('infers the provider generic from its client and from its refresh option', () => {
    expectTypeOf(<AuthProvider client={auth} />).not.toBeAny()
    expectTypeOf(<AuthProvider<MyClaims> refresh={async ({ claims }) => (void claims?.orgId, loginPair())} />).not.toBeAny()
    // @ts-expect-error a client and client options together: the options would be ignored
    void (<AuthProvider client={auth} storageKey="other" />)
  })

  it('types Hasura claims for createAuthClient<HasuraClaims>() and getHasuraClaims', () => {
    const hasura = createAuthHooks<HasuraClaims>()
    function Roles() {
      const roles = hasura.useAuth((s) => getHasuraClaims(s.claims)?.allowedRoles)
      expectTypeOf(roles).toEqualTypeOf<string[] | undefined>()
      const direct = hasura.useAuth((s) => s.claims?.['https://hasura.io/jwt/claims']['x-hasura-default-role'])
      expectTypeOf(direct).toEqualTypeOf<string | undefined>()
      return null
    }
    expect(Roles).toBeTypeOf('function')
  })
})
