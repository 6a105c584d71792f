import { afterEach, describe, expect, it, vi } from 'vitest'
import { readStepUpChallenge } from '../../../src/core/challenge'
import { createAuthClient } from '../../../src/core/client'
import { isAuthError } from '../../../src/core/errors'
import { restRefresh } from '../../../src/adapters/rest'
import type { AuthEvent } from '../../../src/core'
import { createAuthServer, createBrowserFetch } from '../../../src/testing/server/index'
import { json, ORIGIN, setup } from './helpers'

afterEach(() => vi.useRealTimers())

describe('readStepUpChallenge (WWW-Authenticate)', () => {
  it('reads RFC 9470 step-up with acr_values and max_age, in the Bearer and the DPoP scheme', () => {
    expect(
      readStepUpChallenge(
        'Bearer error="insufficient_user_authentication", error_description="sign in again", acr_values="mfa phr", max_age=300',
      ),
    ).toEqual({ error: 'insufficient_user_authentication', acrValues: 'mfa phr', maxAge: 300 })
    expect(readStepUpChallenge('DPoP algs="ES256", error="insufficient_user_authentication", max_age="60"')).toEqual({
      error: 'insufficient_user_authentication',
      maxAge: 60,
    })
  })

  it('reads insufficient_scope with its scope, and a claims challenge with escaped quotes', () => {
    expect(readStepUpChallenge('Bearer realm="api", error="insufficient_scope", scope="todos:write"')).toEqual({
      error: 'insufficient_scope',
      scope: 'todos:write',
    })
    expect(readStepUpChallenge('Bearer error=insufficient_claims, claims="{\\"acr\\":\\"mfa\\"}"')).toEqual({
      error: 'insufficient_claims',
      claims: '{"acr":"mfa"}',
    })
  })

  it('is null for an expired token, no header, garbage, a bad max_age kept out', () => {
    expect(readStepUpChallenge('Bearer error="invalid_token"')).toBeNull()
    expect(readStepUpChallenge(null)).toBeNull()
    expect(readStepUpChallenge('Basic realm="x"')).toBeNull()
    expect(readStepUpChallenge('"=,,error')).toBeNull()
    expect(readStepUpChallenge('Bearer error="insufficient_user_authentication", max_age=soon')).toEqual({
      error: 'insufficient_user_authentication',
    })
  })
})

describe('client.fetch and a step-up challenge', () => {
  const stepUp = (status: number, header: string) => new Response('{}', { status, headers: { 'www-authenticate': header } })

  it('a 401 asking for a recent sign-in spends no refresh: step_up_required with the challenge, and an event', async () => {
    const events: AuthEvent[] = []
    const { client, api, refresh, login } = setup({ onEvent: (event) => events.push(event) })
    login()
    api.respond(() => stepUp(401, 'Bearer error="insufficient_user_authentication", max_age=300'))
    const error = await client.fetch(`${ORIGIN}/api/settings`).catch((caught: unknown) => caught)
    expect(isAuthError(error) && { code: error.code, status: error.status, challenge: error.challenge }).toEqual({
      code: 'step_up_required',
      status: 401,
      challenge: { error: 'insufficient_user_authentication', maxAge: 300 },
    })
    expect(refresh).not.toHaveBeenCalled()
    expect(api.seen).toHaveLength(1)
    expect(events.filter((event) => event.type === 'step_up_required')).toEqual([
      { type: 'step_up_required', error: 'insufficient_user_authentication', maxAge: 300 },
    ])
    expect(client.getSnapshot().status).toBe('authenticated')
  })

  it('a 403 insufficient_scope is step_up_required too; a 403 without a challenge is the caller’s response', async () => {
    const { client, api, login } = setup()
    login()
    api.respond(() => stepUp(403, 'Bearer error="insufficient_scope", scope="admin"'))
    await expect(client.fetch(`${ORIGIN}/api/admin`)).rejects.toMatchObject({ code: 'step_up_required', challenge: { scope: 'admin' } })
    api.respond(() => json({ error: 'forbidden' }, 403))
    expect((await client.fetch(`${ORIGIN}/api/admin`)).status).toBe(403)
  })

  it('an expired token still refreshes and replays; a replay answered with a challenge rejects step_up_required', async () => {
    const { client, api, refresh, login } = setup()
    login({ accepted: false })
    api.respond((_request, token) =>
      api.valid.has(token ?? '') ? stepUp(401, 'Bearer error="insufficient_user_authentication"') : json({}, 401),
    )
    await expect(client.fetch(`${ORIGIN}/api/settings`)).rejects.toMatchObject({ code: 'step_up_required' })
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(api.seen).toHaveLength(2)
  })
})

describe('against the reference server (/api/sensitive)', () => {
  it('answers while the sign-in is recent, then asks for a new one; a new login satisfies it', async () => {
    const server = createAuthServer({ passwordIterations: 500, recentAuthMaxAge: 60 })
    const browser = createBrowserFetch(server.handler)
    const signIn = async () => {
      const response = await browser('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
      })
      return (await response.json()) as { accessToken: string; refreshToken: string }
    }
    const client = createAuthClient({
      refresh: restRefresh({ url: 'http://localhost/auth/refresh', fetch: browser as typeof fetch }),
      fetch: browser as typeof fetch,
      allowedOrigins: ['http://localhost'],
      channel: null,
      locks: null,
      storage: null,
      wakeEvents: () => () => {},
    })
    client.login(await signIn())
    expect((await client.fetch('http://localhost/api/sensitive')).status).toBe(200)
    server.control.setClockOffset(61_000)
    await client.refresh() // a refresh keeps auth_time: it is not a new sign-in
    await expect(client.fetch('http://localhost/api/sensitive')).rejects.toMatchObject({
      code: 'step_up_required',
      status: 401,
      challenge: { error: 'insufficient_user_authentication', maxAge: 60 },
    })
    expect(server.control.counters().refreshes).toBe(1)
    client.login(await signIn()) // the app's step-up sign-in
    expect((await client.fetch('http://localhost/api/sensitive')).status).toBe(200)
  })
})
