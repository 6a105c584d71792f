// jwt-tab-session/testing/playwright against fakes of Playwright's objects: the init script runs
// here, in jsdom's window, the way Chromium runs it before a page's scripts. The same helpers in
// a real browser: tests/e2e/seedSession.e2e.test.ts.
import type { BrowserContext as CoreContext, Page as CorePage } from 'playwright-core'
import type { BrowserContext as TestContext, Page as TestPage } from 'playwright/test'
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest'
import { createAuthClient } from '../../../src/core/client'
import { parseStoredSession } from '../../../src/core/tokens'
import { createMemoryStorage } from '../../../src/testing/memoryStorage'
import {
  captureSession,
  createSessionEntry,
  restoreSession,
  seedSession,
  type EvaluateTarget,
  type InitScriptTarget,
} from '../../../src/testing/playwright'
import { loginPair, refreshSpy, standaloneOptions } from '../../support/session'

const MARKER = 'jwt-session:seeded'

/**
 * A BrowserContext that keeps its init scripts; `load()` runs them as a (re)load of a tab would.
 * `baseURL` (null: none) is kept where Playwright keeps the context option (its `_options`); by
 * default this jsdom window's origin, as a suite with `use: { baseURL }` has.
 */
function fakeContext(baseURL: string | null = `${location.origin}/app/`) {
  const scripts: string[] = []
  const target: InitScriptTarget & { _options: { baseURL?: string } } = {
    _options: baseURL === null ? {} : { baseURL },
    async addInitScript({ content }) {
      scripts.push(content)
    },
  }
  // Indirect eval: global scope, as an init script runs in the page.
  const load = () => scripts.forEach((script) => (0, eval)(script))
  return { target, scripts, load }
}

/**
 * A document other than jsdom's: its own window, location and sessionStorage, where `run` runs the
 * init scripts. `origin` overrides the URL's, as about:blank inherits its opener's.
 */
function fakeDocument(href: string, { framed = false, origin = new URL(href).origin } = {}) {
  const storage = createMemoryStorage()
  const self: { top?: unknown } = {}
  self.top = framed ? {} : self
  const location = { href, origin, protocol: new URL(href).protocol }
  const run = (scripts: string[]) =>
    scripts.forEach((script) =>
      (new Function('window', 'location', 'sessionStorage', script) as (...args: unknown[]) => void)(self, location, storage),
    )
  return { storage, run }
}

/** A Page whose `evaluate` runs the expression in jsdom's window. */
const fakePage: EvaluateTarget = { evaluate: async (expression) => (0, eval)(expression) as unknown }

/** A client over this "tab's" sessionStorage (jsdom's), alone: no channel, no locks. */
const tabClient = () => createAuthClient(standaloneOptions({ storage: sessionStorage, refresh: refreshSpy() }).options)

beforeEach(() => sessionStorage.clear())
afterEach(() => sessionStorage.clear())

describe('createSessionEntry', () => {
  it('builds the stored session of a fresh login that parseStoredSession accepts, format v2', () => {
    const pair = loginPair({ sub: 'user-7', roles: ['admin'] })
    const entry = createSessionEntry(pair)
    expect(entry).toMatchObject({ storageKey: 'jwt-session', origin: null })
    const stored: unknown = JSON.parse(entry.value)
    expect(stored).toEqual({
      v: 2,
      accessToken: pair.accessToken,
      refreshToken: 'rt-0',
      skew: 0,
      receivedAt: expect.any(Number),
      family: expect.stringMatching(/^e2e-[\w-]+$/),
      login: expect.any(Number),
      since: expect.any(Number),
      gen: 0,
    })
    // A login no earlier one is known to: numbered by its iat.
    const { login, since } = stored as { login: number; since: number }
    expect(login).toBe(since)
    const session = parseStoredSession(stored)
    expect(session).toMatchObject({ claims: { sub: 'user-7', roles: ['admin'] }, expiresAt: entry.expiresAt })
  })

  it('gives every entry its own login family', () => {
    const families = [1, 2, 3].map(() => (JSON.parse(createSessionEntry(loginPair()).value) as { family: string }).family)
    expect(new Set(families).size).toBe(3)
  })

  it('restores in a client over a storage holding it, with the claims and no refresh', async () => {
    const entry = createSessionEntry(loginPair({ sub: 'user-9', name: 'Ada' }), { storageKey: 'my-app' })
    const { options, events, refresh } = standaloneOptions({
      storageKey: 'my-app',
      storage: createMemoryStorage({ 'my-app': entry.value }),
    })
    const client = createAuthClient(options)
    client.start()
    expect(client.getSnapshot()).toMatchObject({
      status: 'authenticated',
      claims: { sub: 'user-9', name: 'Ada' },
      sessionId: (JSON.parse(entry.value) as { family: string }).family,
      expiresAt: entry.expiresAt,
    })
    expect(events.map((e) => e.type)).toContain('session_restored')
    expect(events.find((e) => e.type === 'session_restored')).toMatchObject({ from: 'storage' })
    expect(refresh).not.toHaveBeenCalled()
    client.stop()
  })

  it('keeps a cookie-mode pair (no refresh token) as null', () => {
    const entry = createSessionEntry({ accessToken: loginPair().accessToken })
    expect(JSON.parse(entry.value)).toMatchObject({ refreshToken: null })
  })

  it('refuses what the client would refuse, with its invalid_token error', () => {
    expect(() => createSessionEntry(loginPair({}, -10))).toThrow(expect.objectContaining({ code: 'invalid_token' }))
    expect(() => createSessionEntry({ accessToken: 'not-a-jwt', refreshToken: 'rt' })).toThrow(
      expect.objectContaining({ code: 'invalid_token' }),
    )
  })

  it.each([1, 3])('is discarded under another version (v: %i): the tab is signed out, storage cleared, nothing thrown', (v) => {
    const entry = createSessionEntry(loginPair())
    const other = JSON.stringify({ ...(JSON.parse(entry.value) as object), v })
    const storage = createMemoryStorage({ 'jwt-session': other })
    const { options, refresh } = standaloneOptions({ storage })
    const client = createAuthClient(options)
    expect(client.getSnapshot()).toMatchObject({ status: 'unauthenticated', accessToken: null })
    expect(storage.getItem('jwt-session')).toBeNull()
    expect(refresh).not.toHaveBeenCalled()
  })

  it('keeps only the origin of the URL given', () => {
    expect(createSessionEntry(loginPair(), { origin: 'http://127.0.0.1:5173/app/' }).origin).toBe('http://127.0.0.1:5173')
  })
})

describe('seedSession', () => {
  it('signs a tab in before its client starts, with the seeded claims', async () => {
    const { target, load } = fakeContext()
    const pair = loginPair({ sub: 'user-3' })
    const entry = await seedSession(target, pair)
    load()
    expect(sessionStorage.getItem('jwt-session')).toBe(entry.value)
    const client = tabClient()
    expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair.accessToken, claims: { sub: 'user-3' } })
  })

  it('keeps the rotated session on a reload: the seed is written once per tab', async () => {
    const { target, load } = fakeContext()
    await seedSession(target, loginPair())
    load()
    const client = tabClient()
    client.start()
    const rotated = await client.refresh()
    client.stop()
    load() // the reload
    expect(JSON.parse(sessionStorage.getItem('jwt-session')!)).toMatchObject({ accessToken: rotated, refreshToken: 'rt-1', gen: 1 })
    expect(tabClient().getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: rotated })
  })

  it('stays signed out on a reload after logout', async () => {
    const { target, load } = fakeContext()
    await seedSession(target, loginPair())
    load()
    const client = tabClient()
    client.start()
    await client.logout()
    client.stop()
    load()
    expect(sessionStorage.getItem('jwt-session')).toBeNull()
    expect(tabClient().getSnapshot()).toMatchObject({ status: 'unauthenticated' })
  })

  it('applies two seeds in order once each: the later one wins, and a reload writes neither', async () => {
    const { target, load } = fakeContext()
    await seedSession(target, loginPair({ sub: 'first' }))
    const second = await seedSession(target, loginPair({ sub: 'second' }))
    load()
    expect(sessionStorage.getItem('jwt-session')).toBe(second.value)
    expect(JSON.parse(sessionStorage.getItem(MARKER)!)).toHaveLength(2)
    sessionStorage.setItem('jwt-session', 'what the app stored since')
    load()
    expect(sessionStorage.getItem('jwt-session')).toBe('what the app stored since')
  })

  it('writes nothing on another origin than the one given', async () => {
    const { target, load } = fakeContext()
    await seedSession(target, loginPair(), { origin: 'https://app.example.test' })
    load()
    expect(sessionStorage.length).toBe(0)

    await seedSession(target, loginPair(), { origin: location.origin })
    load()
    expect(sessionStorage.getItem('jwt-session')).not.toBeNull()
  })

  it('refuses to seed with neither an origin nor a baseURL: a TypeError naming the fix, and no script added', async () => {
    const { target, scripts } = fakeContext(null)
    const pair = loginPair()
    const refused = seedSession(target, pair)
    await expect(refused).rejects.toThrow(TypeError)
    await expect(refused).rejects.toThrow(/seedSession: pass \{ origin \}.*or give the context a baseURL/)
    await expect(refused).rejects.not.toThrow(pair.accessToken)
    expect(scripts).toEqual([])
  })

  it.each(['not a url', 'about:blank', 'file:///app/index.html'])('refuses %j as the origin with a TypeError', async (origin) => {
    const { target, scripts } = fakeContext()
    await expect(seedSession(target, loginPair(), { origin })).rejects.toThrow(TypeError)
    expect(() => createSessionEntry(loginPair(), { origin })).toThrow(/an http\(s\) origin/)
    expect(scripts).toEqual([])
  })

  it("takes the origin of Playwright's baseURL when none is given, from a context or a page", async () => {
    const context = fakeContext(`${location.origin}/app/`)
    expect(await seedSession(context.target, loginPair())).toMatchObject({ origin: location.origin })
    const page = { addInitScript: context.target.addInitScript, context: () => fakeContext('https://app.example.test/x').target }
    expect(await seedSession(page, loginPair())).toMatchObject({ origin: 'https://app.example.test' })
  })

  it('writes nothing on the identity provider or payment page a tab visits after the app, without an origin given', async () => {
    const { target, scripts } = fakeContext('https://app.example.test/')
    const entry = await seedSession(target, loginPair())
    const app = fakeDocument('https://app.example.test/')
    const idp = fakeDocument('https://idp.example.test/authorize')
    const pay = fakeDocument('https://pay.example.test/checkout')
    for (const page of [app, idp, pay, app]) page.run(scripts)
    expect(app.storage.getItem('jwt-session')).toBe(entry.value)
    expect(idp.storage.length).toBe(0)
    expect(pay.storage.length).toBe(0)
  })

  it("writes nothing in a frame: another origin's, and the app's own (it reads the tab's entry instead)", async () => {
    const { target, scripts } = fakeContext('https://app.example.test/')
    await seedSession(target, loginPair())
    for (const href of ['https://pay.example.test/widget', 'https://app.example.test/embedded']) {
      const frame = fakeDocument(href, { framed: true })
      frame.run(scripts)
      expect(frame.storage.length).toBe(0)
    }
  })

  it("writes nothing on about:blank, even one that inherits the app's origin (a popup's first document)", async () => {
    const { target, scripts } = fakeContext('https://app.example.test/')
    await seedSession(target, loginPair())
    const blank = fakeDocument('about:blank', { origin: 'null' })
    const popup = fakeDocument('about:blank', { origin: 'https://app.example.test' })
    blank.run(scripts)
    popup.run(scripts)
    expect(blank.storage.length).toBe(0)
    expect(popup.storage.length).toBe(0)
  })

  it('writes under the storage key given', async () => {
    const { target, load } = fakeContext()
    await seedSession(target, loginPair(), { storageKey: 'my-app' })
    load()
    expect(Object.keys(sessionStorage).sort()).toEqual(['my-app', 'my-app:seeded'])
  })

  it('lets the page load when sessionStorage throws', async () => {
    const { target, scripts } = fakeContext()
    await seedSession(target, loginPair())
    const blocked = { getItem: () => {}, setItem: () => {} }
    // The script reads the global `sessionStorage`: run it with one that throws.
    const run = new Function('sessionStorage', scripts[0]!) as (storage: unknown) => void
    expect(() =>
      run(
        new Proxy(blocked, {
          get() {
            throw new DOMException('denied', 'SecurityError')
          },
        }),
      ),
    ).not.toThrow()
  })
})

describe('captureSession and restoreSession', () => {
  it('carries a signed-in tab to another context, on its origin only', async () => {
    const seeded = fakeContext()
    const pair = loginPair({ sub: 'user-5' })
    await seedSession(seeded.target, pair)
    seeded.load()

    const captured = await captureSession(fakePage)
    expect(captured).toEqual({
      storageKey: 'jwt-session',
      value: sessionStorage.getItem('jwt-session'),
      origin: location.origin,
      expiresAt: expect.any(Number),
    })

    sessionStorage.clear() // a new context's tab
    const other = fakeContext()
    await restoreSession(other.target, captured)
    other.load()
    expect(tabClient().getSnapshot()).toMatchObject({ status: 'authenticated', accessToken: pair.accessToken, claims: { sub: 'user-5' } })
  })

  it("restores an entry built without an origin on the context's baseURL only, and refuses it with no baseURL", async () => {
    const entry = createSessionEntry(loginPair())
    const withBase = fakeContext('https://app.example.test/')
    await restoreSession(withBase.target, entry)
    const app = fakeDocument('https://app.example.test/')
    const idp = fakeDocument('https://idp.example.test/')
    app.run(withBase.scripts)
    idp.run(withBase.scripts)
    expect(app.storage.getItem('jwt-session')).toBe(entry.value)
    expect(idp.storage.length).toBe(0)

    const bare = fakeContext(null)
    await expect(restoreSession(bare.target, entry)).rejects.toThrow(
      /restoreSession: build the entry with createSessionEntry\(tokens, \{ origin \}\).*or give the context a baseURL/,
    )
    expect(bare.scripts).toEqual([])
  })

  it('says what to do when the tab holds no usable session', async () => {
    await expect(captureSession(fakePage)).rejects.toThrow(/No usable session under sessionStorage "jwt-session"/)
    sessionStorage.setItem('my-app', '{"v":1}')
    await expect(captureSession(fakePage, { storageKey: 'my-app' })).rejects.toThrow(/"my-app"/)
  })
})

describe('types', () => {
  it("accepts Playwright's own objects from playwright-core and @playwright/test", () => {
    expectTypeOf<CoreContext>().toExtend<InitScriptTarget>()
    expectTypeOf<CorePage>().toExtend<InitScriptTarget>()
    expectTypeOf<CorePage>().toExtend<EvaluateTarget>()
    expectTypeOf<TestContext>().toExtend<InitScriptTarget>()
    expectTypeOf<TestPage>().toExtend<InitScriptTarget>()
    expectTypeOf<TestPage>().toExtend<EvaluateTarget>()
  })
})
