import { expect, it, vi } from 'vitest'

// If anything under src/core imported React, this mock would make the import below throw.
vi.mock('react', () => {
  throw new Error('src/core must not import react')
})
vi.mock('react-dom', () => {
  throw new Error('src/core must not import react-dom')
})

it('loads the core entry and runs a session without React', async () => {
  const core = await import('../../../src/core')
  const { createTestJwt } = await import('../../../src/testing/jwt')
  const client = core.createAuthClient({ refresh: async () => ({ accessToken: createTestJwt() }), channel: null, storage: null })
  client.login({ accessToken: createTestJwt() })
  expect(client.getSnapshot().status).toBe('authenticated')
})
