// @vitest-environment node
import { describe, expect, it, vi } from 'vitest'
import { createAuthFetch } from '../../../src/core/fetch'

describe('outside the browser (no location)', () => {
  const source = { getAccessToken: async () => 'token-1', refresh: async () => 'token-2' }

  it('rejects a relative URL with an error that asks for an absolute one, sending nothing', async () => {
    const base = vi.fn(async () => new Response('ok'))
    const { fetch } = createAuthFetch(source, { fetch: base, allowedOrigins: ['https://api.example.com'] })
    await expect(fetch('/api/me')).rejects.toThrow(/absolute URL outside the browser/)
    expect(base).not.toHaveBeenCalled()
  })

  it('authenticates absolute URLs of the allowed origins and no others (no page origin to default to)', async () => {
    const base = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => new Response('ok'))
    const allowed = createAuthFetch(source, { fetch: base, allowedOrigins: ['https://api.example.com'] })
    const defaults = createAuthFetch(source, { fetch: base })
    await allowed.fetch('https://api.example.com/me')
    await defaults.fetch('https://api.example.com/me')
    expect(base.mock.calls.map(([, init]) => new Headers(init?.headers).get('authorization'))).toEqual(['Bearer token-1', null])
  })
})
