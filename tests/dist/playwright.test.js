/* global sessionStorage, location -- jsdom globals */
// The Playwright helpers from dist/testing-playwright.mjs: the init script is the bundled
// function's own source, so this is where a build step that rewrote it (a helper it calls, a
// renamed global) would show. Run here in jsdom's window, as Chromium runs it before a page loads.
import { afterEach, describe, expect, it } from 'vitest'
import { createAuthClient } from 'jwt-tab-session/core'
import { createTestJwt } from 'jwt-tab-session/testing'
import { captureSession, restoreSession, seedSession } from 'jwt-tab-session/testing/playwright'

function fakeContext() {
  const scripts = []
  return {
    target: { addInitScript: async ({ content }) => void scripts.push(content) },
    // Indirect eval: global scope, as an init script runs in the page.
    load: () => scripts.forEach((script) => (0, eval)(script)),
  }
}

const tabClient = () => createAuthClient({ refresh: async () => ({ accessToken: createTestJwt(), refreshToken: 'rt-1' }), channel: null, locks: null })

afterEach(() => sessionStorage.clear())

describe('seedSession from dist/testing-playwright.mjs', () => {
  it('signs a tab in before its client starts, and a reload after logout stays signed out', async () => {
    const { target, load } = fakeContext()
    const pair = { accessToken: createTestJwt({ sub: 'user-alice' }), refreshToken: 'rt-0' }
    await seedSession(target, pair, { origin: location.origin })
    load()
    const client = tabClient()
    expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair.accessToken, claims: { sub: 'user-alice' } })

    await client.logout()
    load()
    expect(tabClient().getSnapshot()).toMatchObject({ status: 'unauthenticated' })
  })

  it('refuses to seed with neither an origin nor a baseURL: a TypeError, and no script added', async () => {
    const scripts = []
    const target = { addInitScript: async ({ content }) => void scripts.push(content) }
    await expect(seedSession(target, { accessToken: createTestJwt(), refreshToken: 'rt-0' })).rejects.toThrow(TypeError)
    expect(scripts).toEqual([])
  })

  it('captures a signed-in tab and restores it in another context', async () => {
    const seeded = fakeContext()
    await seedSession(seeded.target, { accessToken: createTestJwt({ sub: 'user-5' }), refreshToken: 'rt-0' }, { origin: location.origin })
    seeded.load()
    const captured = await captureSession({ evaluate: async (expression) => (0, eval)(expression) })
    sessionStorage.clear()

    const other = fakeContext()
    await restoreSession(other.target, captured)
    other.load()
    expect(tabClient().getSnapshot()).toMatchObject({ status: 'authenticated', claims: { sub: 'user-5' } })
  })
})
