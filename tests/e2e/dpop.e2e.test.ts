// DPoP (RFC 9449) in a real Chromium, against the reference server in its DPoP mode with 6-second
// access tokens and strict rotation. The session's key is made once, for the login: every tab of
// the browser signs with it (the server's log names the key of each proof), a reload finds it in
// IndexedDB, a copied token is refused without it, logout deletes it everywhere, and without
// IndexedDB the login is refused before it is sent.
import { decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import { pageLog, POLL, suiteHarness, waitForNewToken, waitForStatus, waitForToken, waitForTokenCount, waitUntil } from './harness'
import { expectNoTokenLeaks } from './tokenLeaks'

const DPOP = { dpop: '1' }
/** The sessionStorage entry naming the session's key in IndexedDB (storage key `jwt-session`). */
const KEY_ENTRY = 'jwt-session:dpop'

/** The thumbprint of the key a token is bound to (`cnf.jkt`). */
const boundTo = (token: string) => (decodeJwt(token).cnf as { jkt?: string } | undefined)?.jkt

const h = suiteHarness({ accessTokenTtl: 6, dpop: true })

describe('one key per session, in every tab', () => {
  it('signs for five tabs with the login’s key, and they rotate exactly once per expiry', async () => {
    const mark = { proofs: h().proofLog.length, refreshes: h().refreshLog.length }
    const { tabs, accessToken } = await h().loggedInTabs(5, DPOP)
    const jkt = boundTo(accessToken)
    expect(jkt).toEqual(expect.any(String))
    // The login token plus two rotations, from the tabs' own schedulers (about 3–4 s apart).
    await waitForTokenCount(tabs[0]!, 3, 20_000)
    const latest = (await tabs[0]!.evaluate(() => window.e2e.tokens())).at(-1)!
    for (const tab of tabs) await waitForToken(tab, latest)

    // Read while no rotation is due: the next one is seconds away.
    const counters = await h().counters()
    const seen = new Set((await Promise.all(tabs.map((tab) => tab.evaluate(() => window.e2e.tokens())))).flat())
    expect(counters).toMatchObject({ logins: 1, reuseEvents: 0 })
    expect(counters.refreshes).toBe(seen.size - 1)
    expect(counters.refreshes).toBeGreaterThanOrEqual(2)
    const { refreshLog } = h()
    expect(refreshLog.slice(mark.refreshes).map((r) => r.status)).toEqual(Array<number>(counters.refreshes).fill(200))
    for (const token of seen) expect(boundTo(token)).toBe(jkt)

    for (const tab of tabs) expect(await tab.evaluate(() => window.e2e.me())).toMatchObject({ status: 200, body: { username: 'alice' } })
    expect((await h().counters()).unauthorized).toBe(0)

    // Every request of the session carried a proof of that one key: the login, each refresh, and
    // each tab's API call (tabs 1–4 had the key from tab 0 over their channel).
    const proofs = h().proofLog.slice(mark.proofs)
    expect(proofs.filter((p) => p.path === '/auth/login')).toHaveLength(1)
    expect(proofs.filter((p) => p.path === '/api/me')).toHaveLength(tabs.length)
    expect(proofs.filter((p) => p.path === '/auth/refresh')).toHaveLength(h().refreshLog.length - mark.refreshes)
    expect(proofs.filter((p) => p.jkt !== jkt || p.status !== 200)).toEqual([])

    // One key stored, and every tab names that one.
    const named = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.e2e.storedDpopKey())))
    expect(new Set(named.map((key) => key?.keyId)).size).toBe(1)
    expect(named.map((key) => key?.jkt)).toEqual(Array<string | undefined>(tabs.length).fill(jkt))
    expect(await tabs[0]!.evaluate(() => window.e2e.dpopKeyCount())).toBe(1)
  })

  it('keeps the key across a reload: found in IndexedDB under the id sessionStorage names, not extractable', async () => {
    // One tab only: no other tab could hand the key over, so after the reload it can only come from IndexedDB.
    const { tabs, accessToken } = await h().loggedInTabs(1, DPOP)
    const tab = tabs[0]!
    const jkt = boundTo(accessToken)
    const before = await tab.evaluate(() => window.e2e.storedDpopKey())
    expect(before).toMatchObject({ jkt, extractable: false })

    await tab.reload()
    await tab.waitForFunction(() => window.e2e !== undefined, undefined, { polling: POLL })
    await waitForStatus(tab, 'authenticated')
    const mark = h().proofLog.length
    expect(await tab.evaluate(() => window.e2e.me())).toMatchObject({ status: 200, body: { username: 'alice' } })
    // And the next rotation, signed with the key the reload found.
    await waitForNewToken(tab, (await h().snapshot(tab)).accessToken!)
    expect(await tab.evaluate(() => window.e2e.me())).toMatchObject({ status: 200 })

    const proofs = h().proofLog.slice(mark)
    expect(proofs.filter((p) => p.path === '/api/me')).toHaveLength(2)
    expect(proofs.filter((p) => p.path === '/auth/refresh').length).toBeGreaterThanOrEqual(1)
    expect(proofs.filter((p) => p.jkt !== jkt || p.status !== 200)).toEqual([])
    const after = await tab.evaluate(() => window.e2e.storedDpopKey())
    expect(after).toEqual({ keyId: before!.keyId, jkt, extractable: false, exportError: 'InvalidAccessError' })
    expect(await tab.evaluate(() => window.e2e.dpopKeyCount())).toBe(1)
    expect((await pageLog(tab)).filter((e) => e.type === 'session_restored')).toEqual([expect.objectContaining({ from: 'storage' })])
    expect(await h().counters()).toMatchObject({ logins: 1, reuseEvents: 0, unauthorized: 0 })
  })
})

describe('a copied token', () => {
  it('is refused in another browser profile, even with that profile’s own valid proof', async () => {
    // The thief's tab is open first: from the login on, the token's seconds are short.
    const thief = await h().newContext()
    const thiefTab = await h().openTab(thief, 'thief')
    const { context, tabs, accessToken: stolen } = await h().loggedInTabs(1, DPOP)
    const victim = tabs[0]!
    // The fingerprint cookie too, so that the key is the only thing the thief lacks.
    await thief.addCookies(await context.cookies())

    const mark = h().proofLog.length
    const answer = await thiefTab.evaluate((token) => window.e2e.meWithOwnKey(token), stolen)
    // invalid_token, not invalid_dpop_proof: the proof itself passed, the token is bound to another key.
    expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    expect(answer.challenge).toMatch(/^DPoP error="invalid_token"/)
    expect(answer.jkt).not.toBe(boundTo(stolen))

    // The control, right after: the same token, still the tab's, works with the key it is bound to.
    expect(await victim.evaluate(() => window.e2e.me())).toMatchObject({ status: 200 })
    expect((await h().snapshot(victim)).accessToken).toBe(stolen)
    expect(h().proofLog.slice(mark)).toEqual([
      { path: '/api/me', jkt: answer.jkt, status: 401 },
      { path: '/api/me', jkt: boundTo(stolen), status: 200 },
    ])
    expect((await h().counters()).unauthorized).toBe(1)
  })
})

describe('logout', () => {
  it('deletes the key in every tab of three: none left in IndexedDB or named in any sessionStorage', async () => {
    const { context, tabs, accessToken } = await h().loggedInTabs(2, DPOP)
    const jkt = boundTo(accessToken)
    // A tab opened after the login asks the others for the key (tab 1 was sent it with the session).
    const late = await h().openTab(context, 't2', DPOP)
    tabs.push(late)
    await waitForStatus(late, 'authenticated')
    expect(await late.evaluate(() => window.e2e.me())).toMatchObject({ status: 200 })
    for (const tab of tabs) await tab.waitForFunction((entry) => sessionStorage.getItem(entry) !== null, KEY_ENTRY, { polling: POLL })
    for (const tab of tabs) expect(await tab.evaluate(() => window.e2e.dpopKeyCount())).toBe(1)

    const mark = h().proofLog.length
    await late.evaluate(() => window.e2e.logout())
    for (const tab of tabs) await waitForStatus(tab, 'unauthenticated')
    // The deletion is not awaited by logout(): wait for the store to empty, then read it from every tab.
    await waitUntil(async () => (await tabs[0]!.evaluate(() => window.e2e.dpopKeyCount())) === 0, 'the key store is empty')
    for (const tab of tabs) {
      expect(await tab.evaluate(() => window.e2e.dpopKeyCount())).toBe(0)
      const snapshot = await h().snapshot(tab)
      expect(snapshot).toMatchObject({ status: 'unauthenticated', accessToken: null, storedRefreshToken: null })
      expect(Object.keys(snapshot.sessionStorage).filter((key) => key.startsWith(KEY_ENTRY))).toEqual([])
    }
    // The revoke was signed with the ended session's key, taken before the key was deleted.
    const { proofLog } = h()
    expect(proofLog.slice(mark).filter((p) => p.path === '/auth/logout')).toEqual([{ path: '/auth/logout', jkt, status: 204 }])
    expect(await h().counters()).toMatchObject({ logins: 1, revocations: 1, reuseEvents: 0 })
  })
})

/**
 * Init scripts that take IndexedDB away the ways private windows have: `open` throws at once, or
 * it returns a request that fails. Serialised by Playwright, so each is self-contained.
 */
const BLOCKERS: [string, () => void][] = [
  [
    'indexedDB.open throws',
    () => {
      IDBFactory.prototype.open = () => {
        throw new DOMException('The operation is insecure.', 'SecurityError')
      }
    },
  ],
  [
    'the open request fails',
    () => {
      // A real request that fails without an upgrade: every open asks for a lower version than
      // the database made here at page start has (VersionError), whatever name it was given.
      const open = IDBFactory.prototype.open
      open.call(indexedDB, 'e2e-blocked', 2)
      IDBFactory.prototype.open = function (this: IDBFactory) {
        return open.call(this, 'e2e-blocked', 1)
      }
    },
  ],
]

describe('no key storage', () => {
  it.each(BLOCKERS)('refuses to sign in when %s: dpop_unavailable, and no login request is sent', async (_, block) => {
    const context = await h().newContext()
    await context.addInitScript(block)
    const tab = await h().openTab(context, 'private', DPOP)
    // Signed out and settled, as a sign-in form would be when the user submits it.
    expect(await tab.evaluate(() => window.e2e.ready())).toMatchObject({ status: 'unauthenticated' })
    const mark = h().proofLog.length
    const failure = await tab.evaluate(() =>
      window.e2e.login().then(
        () => null,
        (error: unknown) => ({ name: (error as Error).name, code: (error as { code?: unknown }).code }),
      ),
    )
    expect(failure).toEqual({ name: 'AuthError', code: 'dpop_unavailable' })
    const { proofLog } = h()
    expect(proofLog.slice(mark).filter((p) => p.path === '/auth/login')).toEqual([])
    expect(await h().snapshot(tab)).toMatchObject({ status: 'unauthenticated', accessToken: null, storedRefreshToken: null })
  })
})

describe('no channel', () => {
  it('signs in and signs requests in a tab alone where BroadcastChannel throws (an opaque origin)', async () => {
    const context = await h().newContext()
    await context.addInitScript(() => {
      window.BroadcastChannel = class {
        constructor() {
          throw new DOMException('The operation is insecure.', 'SecurityError')
        }
      } as unknown as typeof BroadcastChannel
    })
    const tab = await h().openTab(context, 'opaque', DPOP) // start() ran, and did not throw
    expect(await tab.evaluate(() => window.e2e.ready())).toMatchObject({ status: 'unauthenticated' })
    const { accessToken } = await tab.evaluate(() => window.e2e.login())
    await waitForToken(tab, accessToken)
    expect(await tab.evaluate(() => window.e2e.me())).toMatchObject({ status: 200, body: { username: 'alice' } })
    const proofs = h().proofLog.filter((p) => p.jkt === boundTo(accessToken) && p.path !== '/auth/refresh')
    expect(proofs.map((p) => [p.path, p.status])).toEqual([
      ['/auth/login', 200],
      ['/api/me', 200],
    ])
  })
})

describe('token storage', () => {
  it('never writes a token of this run to IndexedDB (where the keys go), localStorage or document.cookie', async () => {
    // The control for IndexedDB: the recorder saw the key pairs written there.
    expect(h().writes.filter((w) => w.kind === 'indexedDB' && w.value.startsWith('keys '))).not.toEqual([])
    await expectNoTokenLeaks(h())
  })
})
