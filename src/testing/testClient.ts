import { createAuthClient, type AuthClient } from '../core/client'
import type { JwtClaims } from '../core/tokens'
import type { AuthClientOptions } from '../core/options'
import { createTestJwt } from './jwt'
import { createMemoryStorage } from './memoryStorage'

/** Options of `createTestAuthClient` and `<TestAuthProvider>`: client options plus the test session. */
export interface TestAuthOptions<TClaims extends JwtClaims = JwtClaims> extends Partial<AuthClientOptions<TClaims>> {
  /** Claims of the signed-in user; omit (or `null`) for a signed-out client. */
  claims?: Partial<TClaims> | null
  /** Access-token lifetime in seconds. Default 900. */
  expiresIn?: number
}

/**
 * A client for component tests: memory storage, no cross-tab channel or locks, signed in with a
 * test JWT carrying `claims` (or signed out). Its `refresh` issues a new test token with the same
 * claims unless you pass your own.
 */
export function createTestAuthClient<TClaims extends JwtClaims = JwtClaims>(options: TestAuthOptions<TClaims> = {}): AuthClient<TClaims> {
  const { claims = null, expiresIn = 900, ...rest } = options
  const issue = () => ({ accessToken: createTestJwt(claims ?? {}, { expiresIn }), refreshToken: 'test-refresh-token' })
  const client = createAuthClient<TClaims>({
    refresh: async () => issue(),
    storage: createMemoryStorage(),
    channel: null,
    locks: null,
    ...rest,
  })
  if (claims) client.login(issue())
  return client
}
