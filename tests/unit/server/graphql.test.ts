// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { sha256Hex } from '../../../src/testing/server/bytes'
import { createAuthServer, createBrowserFetch } from '../../../src/testing/server/index'

interface Pair {
  accessToken: string
  refreshToken: string
}

const REFRESH =
  'mutation Refresh($refreshToken: String!, $fingerprintHash: String) { refreshJwtToken(refreshToken: $refreshToken, fingerprintHash: $fingerprintHash) { jwt refreshToken } }'

// The logout mutation of the Hasura recipe (docs/recipes.md), as graphqlRevoke sends it.
const LOGOUT =
  'mutation Logout($refreshToken: String, $everywhere: Boolean) { logout(refreshToken: $refreshToken, everywhere: $everywhere) { ok } }'

function setup() {
  const server = createAuthServer({ passwordIterations: 1000 })
  const browser = createBrowserFetch(server.handler)
  const login = async (username = 'alice') =>
    (await (
      await browser('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: `${username}-password` }),
      })
    ).json()) as Pair
  const graphql = async (
    query: string,
    variables?: Record<string, unknown>,
    accessToken?: string,
    headers: Record<string, string> = {},
  ) => {
    const response = await browser('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    })
    expect(response.status).toBe(200)
    return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] }
  }
  return { server, browser, login, graphql }
}

const invalidJwt = (message: string) => ({ errors: [{ message, extensions: { code: 'invalid-jwt', path: '$' } }] })
const invalidGrant = { errors: [{ message: 'invalid_grant', extensions: { code: 'invalid_grant', path: '$' } }] }

describe('/graphql', () => {
  it('answers the me query for a valid token', async () => {
    const { login, graphql } = setup()
    const { accessToken } = await login()
    expect(await graphql('query { me { id username name roles } }', undefined, accessToken)).toEqual({
      data: { me: { id: 'user-alice', username: 'alice', name: 'Alice', roles: ['user'] } },
    })
  })

  it('runs as x-hasura-role when the token allows it (whoami echoes the role), else answers access-denied', async () => {
    const { login, graphql } = setup()
    const { accessToken } = await login('admin')
    const whoami = (role?: string) => graphql('{ whoami { userId role } }', undefined, accessToken, role ? { 'x-hasura-role': role } : {})
    expect(await whoami()).toEqual({ data: { whoami: { userId: 'user-admin', role: 'user' } } })
    expect(await whoami('admin')).toEqual({ data: { whoami: { userId: 'user-admin', role: 'admin' } } })
    expect(await whoami('owner')).toEqual({
      errors: [{ message: 'Your requested role is not in allowed roles', extensions: { code: 'access-denied', path: '$' } }],
    })
  })

  it('answers auth failures with HTTP 200 and Hasura invalid-jwt errors', async () => {
    const { server, login, graphql } = setup()
    expect(await graphql('query { me { id } }')).toEqual(invalidJwt("Missing 'Authorization' header in JWT authenticated mode"))
    const { accessToken } = await login()
    expect(await graphql('query { me { id } }', undefined, `${accessToken}x`)).toEqual(
      invalidJwt('Could not verify JWT: JWSError JWSInvalidSignature'),
    )
    server.control.setClockOffset(901_000)
    expect(await graphql('query { me { id } }', undefined, accessToken)).toEqual(invalidJwt('Could not verify JWT: JWTExpired'))
    expect(server.control.counters().unauthorized).toBe(3)
  })

  it('rotates through the refreshJwtToken action, twice, and detects reuse', async () => {
    const { server, browser, login, graphql } = setup()
    const first = await login()
    const fingerprintHash = await sha256Hex(browser.cookies().get('jwt-fgp')!)
    const r1 = await graphql(REFRESH, { refreshToken: first.refreshToken, fingerprintHash })
    const second = (r1.data as { refreshJwtToken: { jwt: string; refreshToken: string } }).refreshJwtToken
    expect(Object.keys(second).sort()).toEqual(['jwt', 'refreshToken'])
    expect(second.refreshToken).not.toBe(first.refreshToken)
    expect(await graphql('{ me { username } }', undefined, second.jwt)).toEqual({ data: { me: { username: 'alice' } } })
    const r2 = await graphql(REFRESH, { refreshToken: second.refreshToken })
    expect(r2.data).toBeDefined()
    expect(await graphql(REFRESH, { refreshToken: first.refreshToken })).toEqual(invalidGrant)
    expect(server.control.counters()).toMatchObject({ refreshes: 2, reuseEvents: 1 })
  })

  it('accepts the refresh token written inline in the mutation', async () => {
    const { login, graphql } = setup()
    const { refreshToken } = await login()
    const result = await graphql(`mutation { refreshJwtToken(refreshToken: "${refreshToken}") { jwt refreshToken expiresIn } }`)
    expect((result.data?.refreshJwtToken as { expiresIn: number }).expiresIn).toBe(900)
  })

  it('refuses a refresh whose fingerprintHash does not match the session, without consuming the token', async () => {
    const { login, graphql } = setup()
    const { refreshToken } = await login()
    expect(await graphql(REFRESH, { refreshToken, fingerprintHash: '0'.repeat(64) })).toEqual(invalidGrant)
    expect((await graphql(REFRESH, { refreshToken })).data).toBeDefined()
  })

  it('ends the session with the logout mutation, as POST /auth/logout does: its refresh token is refused afterwards', async () => {
    const { server, login, graphql } = setup()
    const { accessToken, refreshToken } = await login()
    expect(await graphql(LOGOUT, { refreshToken }, accessToken)).toEqual({ data: { logout: { ok: true } } })
    expect(await graphql(REFRESH, { refreshToken })).toEqual(invalidGrant)
    expect(await graphql('{ me { id } }', undefined, accessToken)).toEqual(invalidJwt('Could not verify JWT: JWTRevoked'))
    expect(server.control.counters().revocations).toBe(1)
  })

  it('names the session to end by an access token that has just expired, as POST /auth/logout does', async () => {
    const { server, login, graphql } = setup()
    const { accessToken, refreshToken } = await login()
    server.control.setClockOffset(901_000)
    expect(await graphql('mutation { logout { ok } }', undefined, accessToken)).toEqual({ data: { logout: { ok: true } } })
    expect(await graphql(REFRESH, { refreshToken })).toEqual(invalidGrant)
  })

  it('with everywhere: true ends every session of the user, as POST /auth/logout-all does', async () => {
    const { server, login, graphql } = setup()
    const laptop = await login()
    const phoneBrowser = createBrowserFetch(server.handler)
    const phone = (await (
      await phoneBrowser('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
      })
    ).json()) as Pair
    expect(await graphql(LOGOUT, { refreshToken: laptop.refreshToken, everywhere: true }, laptop.accessToken)).toEqual({
      data: { logout: { ok: true } },
    })
    const refreshOnPhone = await phoneBrowser('/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: phone.refreshToken }),
    })
    expect(refreshOnPhone.status).toBe(401)
    expect(server.control.counters().revocations).toBe(2)
  })

  it('refuses everywhere: true without a live session (invalid-jwt) and ends nothing', async () => {
    const { server, login, graphql } = setup()
    const { refreshToken } = await login()
    expect(await graphql('mutation { logout(everywhere: true) { ok } }', { refreshToken: 'not-a-token' })).toEqual(
      invalidJwt("Missing 'Authorization' header in JWT authenticated mode"),
    )
    expect((await graphql(REFRESH, { refreshToken })).data).toBeDefined()
    expect(server.control.counters().revocations).toBe(0)
  })

  it('answers parse-failed to a body without a query', async () => {
    const { graphql } = setup()
    expect(await graphql(undefined as unknown as string)).toEqual({
      errors: [{ message: 'expected a JSON object with a "query" string', extensions: { code: 'parse-failed', path: '$' } }],
    })
  })
})
