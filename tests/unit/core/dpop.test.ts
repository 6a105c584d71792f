// @vitest-environment node
// DPoP mode against the reference server in-process (real proofs, real ES256 signatures, tokens
// bound to the key's thumbprint), with tabs of one browser from the tab harness.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { calculateJwkThumbprint } from 'jose'
import { createAuthClient, type AuthClient } from '../../../src/core/client'
import { restRefresh, restRevoke } from '../../../src/adapters/rest'
import { dpop } from '../../../src/parts/dpop'
import type { DpopKeyStore } from '../../../src/parts/dpopKeyStore'
import { sha256, signProof, toDpopKey } from '../../../src/parts/dpopProof'
import type { AuthClientOptions, AuthEvent } from '../../../src/core'
import { cookieRestore } from '../../../src/parts/cookieRestore'
import { createTabHarness } from '../../../src/testing/tabHarness'
import { createMemoryStorage } from '../../../src/testing/memoryStorage'
import { createAuthServer, createBrowserFetch, type AuthServerOptions } from '../../../src/testing/server/index'
import { readClaims } from '../../support/session'

const ORIGIN = 'http://localhost'
const url = (path: string) => `${ORIGIN}${path}`

/** The key store of one browser profile: a Map in place of IndexedDB (the Chromium suite uses the real one). */
function memoryKeyStore() {
  const keys = new Map<string, CryptoKeyPair>()
  const usedAt = new Map<string, number>()
  const store: DpopKeyStore = {
    get: async (id) => keys.get(id),
    put: async (id, pair, at) => void (keys.set(id, pair), usedAt.set(id, at)),
    delete: async (id) => void (keys.delete(id), usedAt.delete(id)),
    prune: async (before) => usedAt.forEach((at, id) => at < before && (keys.delete(id), usedAt.delete(id))),
  }
  return { store, keys, usedAt }
}

interface Sent {
  method: string
  path: string
  authorization: string | null
  proof: string | null
}

/** One browser profile: its cookies, its key store, its tabs, and every request its tabs sent. */
function profile(serverOptions: AuthServerOptions = {}) {
  const server = createAuthServer({ passwordIterations: 1000, dpop: true, ...serverOptions })
  const browser = createBrowserFetch(server.handler)
  const sent: Sent[] = []
  const network = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const { pathname } = new URL(request.url)
    sent.push({
      method: request.method,
      path: pathname,
      authorization: request.headers.get('authorization'),
      proof: request.headers.get('dpop'),
    })
    return browser(request)
  }) as typeof fetch
  const harness = createTabHarness()
  const keyStore = memoryKeyStore()
  const clients: AuthClient[] = []
  const events: AuthEvent[] = []

  function open(overrides: Partial<AuthClientOptions> & { storage?: ReturnType<typeof createMemoryStorage> } = {}) {
    const client = createAuthClient({
      refresh: restRefresh({ url: url('/auth/refresh'), fetch: network }),
      revoke: restRevoke({ url: url('/auth/logout'), fetch: network }),
      dpop: dpop({ keyStore: keyStore.store }),
      fetch: network,
      allowedOrigins: [ORIGIN],
      ...harness.tab(),
      handoffTimeout: 100,
      wakeEvents: () => () => {},
      onEvent: (event) => events.push(event),
      ...overrides,
    })
    client.start()
    clients.push(client)
    return client
  }

  async function signIn(client: AuthClient, username = 'alice') {
    const response = await client.loginFetch(url('/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: `${username}-password` }),
    })
    expect(response.status).toBe(200)
    client.login((await response.json()) as { accessToken: string; refreshToken: string })
  }

  return { server, browser, network, sent, harness, keyStore, open, signIn, clients, events }
}

type Profile = ReturnType<typeof profile>
let current: Profile[] = []
const setup = (options?: AuthServerOptions) => {
  const made = profile(options)
  current.push(made)
  return made
}
afterEach(() => {
  current.forEach((p) => p.clients.forEach((client) => client.stop()))
  current = []
})

const proofOf = (proof: string | null) => {
  const [header, payload] = proof!
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')))
  return { header, payload }
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 20))

describe('dpop(): sender-constrained tokens (RFC 9449)', () => {
  it('signs the login with a new non-extractable P-256 key, and the server binds the session to it (cnf.jkt)', async () => {
    const { open, signIn, sent, keyStore } = setup()
    const tab = open()
    await signIn(tab)
    const login = sent.find((s) => s.path === '/auth/login')!
    const { header, payload } = proofOf(login.proof)
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } })
    expect(header.jwk).not.toHaveProperty('d')
    expect(payload).toMatchObject({ htm: 'POST', htu: url('/auth/login') })
    expect(payload).not.toHaveProperty('ath')
    const [stored] = [...keyStore.keys.values()]
    expect(stored!.privateKey.extractable).toBe(false)
    const jkt = await sha256(JSON.stringify({ crv: header.jwk.crv, kty: 'EC', x: header.jwk.x, y: header.jwk.y }))
    expect(readClaims<{ cnf: { jkt: string } }>(tab.getSnapshot().accessToken!).cnf.jkt).toBe(jkt)
  })

  it('sends Authorization: DPoP and a proof with htm, htu without query or fragment, iat, a fresh jti and ath', async () => {
    const { open, signIn, sent } = setup()
    const tab = open()
    await signIn(tab)
    const token = tab.getSnapshot().accessToken!
    const first = await tab.fetch(url('/api/me?verbose=1#top'))
    const second = await tab.fetch(url('/api/todos'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"a"}',
    })
    expect([first.status, second.status]).toEqual([200, 201])
    const [me, todo] = sent.filter((s) => s.path.startsWith('/api/'))
    expect(me!.authorization).toBe(`DPoP ${token}`)
    const a = proofOf(me!.proof).payload
    const b = proofOf(todo!.proof).payload
    expect(a).toMatchObject({ htm: 'GET', htu: url('/api/me'), ath: await sha256(token) })
    expect(b).toMatchObject({ htm: 'POST', htu: url('/api/todos') })
    expect(Math.abs(a.iat - Date.now() / 1000)).toBeLessThan(5)
    expect(a.jti).not.toBe(b.jti)
  })

  it('keeps the key through a refresh: the rotated pair is bound to the same key and requests still pass', async () => {
    const { open, signIn, sent } = setup()
    const tab = open()
    await signIn(tab)
    const before = readClaims<{ cnf: { jkt: string } }>(tab.getSnapshot().accessToken!).cnf.jkt
    await tab.refresh()
    const after = readClaims<{ cnf: { jkt: string } }>(tab.getSnapshot().accessToken!).cnf.jkt
    expect(after).toBe(before)
    expect(proofOf(sent.find((s) => s.path === '/auth/refresh')!.proof).payload).toMatchObject({ htm: 'POST', htu: url('/auth/refresh') })
    expect((await tab.fetch(url('/api/me'))).status).toBe(200)
  })

  it('hands the key to a new tab with the session: it signs with the same key, without the key store', async () => {
    const { open, signIn, keyStore, sent } = setup()
    const first = open()
    await signIn(first)
    // The second tab's store lookups would fail: the key can only come over the channel.
    const get = vi.spyOn(keyStore.store, 'get')
    const second = open()
    await second.ready()
    expect(second.getSnapshot().sessionId).toBe(first.getSnapshot().sessionId)
    expect((await second.fetch(url('/api/me'))).status).toBe(200)
    expect(get).not.toHaveBeenCalled()
    const proofs = sent.filter((s) => s.proof).map((s) => proofOf(s.proof).header.jwk.x)
    expect(new Set(proofs).size).toBe(1)
  })

  it('keeps the key through a reload: the tab finds it in the key store under the id its storage names', async () => {
    const { open, signIn, keyStore } = setup()
    const storage = createMemoryStorage()
    const tab = open({ storage, channel: null })
    await signIn(tab)
    tab.stop()
    expect(keyStore.keys.size).toBe(1)
    // sessionStorage names the key; the key itself and no token are in the key store.
    expect(JSON.parse(storage.getItem('jwt-session:dpop')!)).toEqual({
      sessionId: tab.getSnapshot().sessionId,
      keyId: [...keyStore.keys.keys()][0],
    })
    const reloaded = open({ storage, channel: null })
    await reloaded.ready()
    expect(reloaded.getSnapshot().status).toBe('authenticated')
    expect((await reloaded.fetch(url('/api/me'))).status).toBe(200)
    await reloaded.refresh()
    expect((await reloaded.fetch(url('/api/me'))).status).toBe(200)
  })

  it('reuses the sign-in page’s key after a reload or a wrong password: one key per login, none left over', async () => {
    const { open, keyStore } = setup()
    const storage = createMemoryStorage()
    const post = (tab: AuthClient, password: string) =>
      tab.loginFetch(url('/auth/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password }),
      })
    const page = open({ storage, channel: null })
    expect((await post(page, 'wrong')).status).toBe(401)
    page.stop()
    const reloaded = open({ storage, channel: null })
    const response = await post(reloaded, 'alice-password')
    reloaded.login((await response.json()) as { accessToken: string; refreshToken: string })
    expect(keyStore.keys.size).toBe(1)
    expect(storage.getItem('jwt-session:dpop:pending')).toBeNull()
    expect((await reloaded.fetch(url('/api/me'))).status).toBe(200)
  })

  it('prunes at the next sign-in the keys no session used for keepUnusedKeys: a tab closed without a logout', async () => {
    const { open, signIn, keyStore, server } = setup()
    const day = 24 * 3600_000
    let now = Date.now()
    const travel = (ms: number) => {
      now += ms
      server.control.setClockOffset(now - Date.now()) // the server's clock moves along
    }
    const options = () => ({ channel: null, now: () => now, dpop: dpop({ keyStore: keyStore.store, keepUnusedKeys: 7 * day }) })
    const closed = open(options())
    await signIn(closed)
    closed.stop() // the tab closes; nothing deletes its key
    travel(6 * day)
    await signIn(open(options()), 'admin') // a session that signs in (and so uses its key) six days later
    travel(2 * day)
    await open(options()).loginFetch(url('/auth/login'), { method: 'POST' }) // the next sign-in prunes
    await settled()
    // alice's key, unused for 8 days, is gone; admin's (used 2 days ago) and the new one stay.
    expect(keyStore.keys.size).toBe(2)
    expect([...keyStore.usedAt.values()].every((at) => at >= now - 7 * day)).toBe(true)
  })

  it('deletes the key in every tab at logout, and the revoke carries a proof of the ended session’s key', async () => {
    const { open, signIn, keyStore, sent } = setup()
    const tabs = [open(), open(), open()]
    await signIn(tabs[0]!)
    await Promise.all(tabs.map((tab) => tab.ready()))
    await Promise.all(tabs.map((tab) => tab.fetch(url('/api/me'))))
    await tabs[1]!.logout()
    await settled()
    expect(tabs.map((tab) => tab.getSnapshot().status)).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated'])
    expect(keyStore.keys.size).toBe(0)
    const revoke = sent.find((s) => s.path === '/auth/logout')!
    expect(revoke.authorization).toMatch(/^DPoP /)
    expect(proofOf(revoke.proof).payload).toMatchObject({ htm: 'POST', htu: url('/auth/logout') })
    await expect(tabs[0]!.getAuthHeaders({ method: 'GET', url: url('/api/me') })).rejects.toMatchObject({ code: 'unauthenticated' })
  })

  it('answers a DPoP-Nonce challenge once, at login, on the API and at refresh, without spending a refresh', async () => {
    const { open, signIn, sent, server } = setup({ dpopNonce: true })
    const tab = open()
    await signIn(tab)
    const logins = sent.filter((s) => s.path === '/auth/login')
    expect(logins).toHaveLength(2) // challenged (400 use_dpop_nonce), then answered
    expect(proofOf(logins[0]!.proof).payload).not.toHaveProperty('nonce')
    expect(proofOf(logins[1]!.proof).payload.nonce).toEqual(expect.any(String))
    // Every answer carries the nonce: the next requests need no challenge.
    expect((await tab.fetch(url('/api/me'))).status).toBe(200)
    await tab.refresh()
    expect(sent.filter((s) => s.path === '/auth/refresh')).toHaveLength(1)
    expect(server.control.counters().reuseEvents).toBe(0)
  })

  it('retries a 401 use_dpop_nonce from the API once with the new nonce, and spends no refresh on it', async () => {
    const challenges: string[] = []
    const api = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init)
      const nonce = proofOf(request.headers.get('dpop')).payload.nonce
      challenges.push(nonce ?? '-')
      if (nonce !== 'n-2') {
        return new Response('{"error":"use_dpop_nonce"}', {
          status: 401,
          headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-2' },
        })
      }
      return new Response(await request.text())
    }) as typeof fetch
    const { open, signIn, network, sent } = setup()
    const tab = open({
      fetch: ((input, init) =>
        String(input instanceof Request ? input.url : input).includes('/data') ? api(input, init) : network(input, init)) as typeof fetch,
    })
    await signIn(tab)
    const response = await tab.fetch(url('/data'), { method: 'POST', body: 'payload' })
    expect(await response.text()).toBe('payload')
    expect(challenges).toEqual(['-', 'n-2'])
    expect(sent.filter((s) => s.path === '/auth/refresh')).toHaveLength(0)
  })

  it('answers a proof refused for a client clock that jumped, once, by the server’s Date: no refresh, no logout', async () => {
    const { open, signIn, sent, network } = setup()
    let jump = 2 * 24 * 3600_000 // two days fast, from the first request on
    // Every answer carries Date, as an HTTP server's does (the in-process handler sets none).
    const dated = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await network(input, init)
      const headers = new Headers(response.headers)
      headers.set('date', new Date().toUTCString())
      return new Response(response.body, { status: response.status, headers })
    }) as typeof fetch
    const tab = open({ fetch: dated, now: () => Date.now() + jump, refresh: restRefresh({ url: url('/auth/refresh'), fetch: dated }) })
    await signIn(tab)
    expect(sent.filter((s) => s.path === '/auth/login')).toHaveLength(2) // refused (iat two days ahead), then answered
    expect((await tab.fetch(url('/api/me'))).status).toBe(200)
    expect(sent.filter((s) => s.path === '/api/me')).toHaveLength(1) // the origin's clock is known by now
    jump = -10 * 60_000 // the clock steps back mid-session
    expect((await tab.fetch(url('/api/me'))).status).toBe(200)
    expect(sent.filter((s) => s.path === '/api/me')).toHaveLength(3) // refused once, answered
    expect(sent.filter((s) => s.path === '/auth/refresh')).toHaveLength(0)
    expect(tab.getSnapshot().status).toBe('authenticated')
  })

  it('never spends a refresh on a proof the server keeps refusing: dpop_proof_refused from fetch, a retried refresh, no logout', async () => {
    const { open, signIn, sent, network } = setup()
    let refuseRefresh = false
    const refusing = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init)
      const { pathname } = new URL(request.url)
      if (pathname === '/data')
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'DPoP error="invalid_dpop_proof"' } })
      if (pathname === '/auth/refresh' && refuseRefresh) {
        sent.push({ method: 'POST', path: pathname, authorization: null, proof: request.headers.get('dpop') })
        return new Response('{"error":"invalid_dpop_proof"}', { status: 400, headers: { 'content-type': 'application/json' } })
      }
      return network(request)
    }) as typeof fetch
    const tab = open({ fetch: refusing, refresh: restRefresh({ url: url('/auth/refresh'), fetch: refusing }) })
    await signIn(tab)
    await expect(tab.fetch(url('/data'))).rejects.toMatchObject({ name: 'AuthError', code: 'dpop_proof_refused', status: 401 })
    expect(sent.filter((s) => s.path === '/auth/refresh')).toHaveLength(0)
    refuseRefresh = true
    await expect(tab.refresh()).rejects.toMatchObject({ code: 'refresh_failed' })
    expect(tab.getSnapshot()).toMatchObject({ status: 'authenticated', error: { code: 'refresh_failed' } })
  })

  it('getAuthHeaders({ method, url }) gives both headers for another transport; without the request it says what it needs', async () => {
    const { open, signIn } = setup()
    const tab = open()
    await signIn(tab)
    const headers = await tab.getAuthHeaders({ method: 'get', url: 'ws://localhost/socket?room=1' })
    expect(headers.Authorization).toBe(`DPoP ${tab.getSnapshot().accessToken}`)
    expect(proofOf(headers.DPoP!).payload).toMatchObject({
      htm: 'GET',
      htu: 'ws://localhost/socket',
      ath: await sha256(tab.getSnapshot().accessToken!),
    })
    await expect(tab.getAuthHeaders()).rejects.toThrow(TypeError)
  })

  it('refuses to sign in without key storage, before the credentials are sent: dpop_unavailable, no silent fallback', async () => {
    const { open, sent } = setup()
    const broken: DpopKeyStore = {
      get: async () => undefined,
      put: () => Promise.reject(new DOMException('IndexedDB is disabled.', 'InvalidStateError')),
      delete: async () => {},
      prune: async () => {},
    }
    const tab = open({ dpop: dpop({ keyStore: broken }) })
    const attempt = tab.loginFetch(url('/auth/login'), { method: 'POST', body: '{}' })
    await expect(attempt).rejects.toMatchObject({ name: 'AuthError', code: 'dpop_unavailable' })
    expect(sent).toHaveLength(0)
  })

  it('refuses a login that no loginFetch signed, and a pair bound to another key; nothing is stored', async () => {
    const { open, signIn } = setup()
    const helper = open()
    await signIn(helper) // a pair bound to the first tab's key
    const pair = { accessToken: helper.getSnapshot().accessToken!, refreshToken: 'unused' }
    const storage = createMemoryStorage()
    const stranger = open({ storage, channel: null })
    expect(() => stranger.login(pair)).toThrow(expect.objectContaining({ code: 'dpop_unavailable' }))
    await stranger.loginFetch(url('/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob', password: 'bob-password' }),
    })
    expect(() => stranger.login(pair)).toThrow(expect.objectContaining({ code: 'invalid_token' }))
    expect(stranger.getSnapshot().status).toBe('unauthenticated')
    expect(storage.getItem('jwt-session')).toBeNull()
  })

  it('ends the session when a refresh answers a pair bound to another key (the refresh token is spent)', async () => {
    const { open, signIn, network } = setup()
    const other = setup()
    const outsider = other.open()
    await other.signIn(outsider)
    const foreign = outsider.getSnapshot().accessToken!
    const tab = open({
      refresh: async (context) => {
        await restRefresh({ url: url('/auth/refresh'), fetch: network })(context)
        return { accessToken: foreign, refreshToken: 'rt-foreign' }
      },
    })
    await signIn(tab)
    await expect(tab.refresh()).rejects.toMatchObject({ code: 'invalid_token' })
    expect(tab.getSnapshot()).toMatchObject({ status: 'unauthenticated', ended: { reason: 'refresh_rejected' } })
  })

  it('takes only the key the token names (cnf.jkt): a key another script offers for the session is never used', async () => {
    const { open, signIn, harness, sent } = setup()
    const storage = createMemoryStorage()
    const first = open({ storage })
    await signIn(first)
    first.stop() // the only tab that holds the key is gone; a copy of its session stays (no key id)
    const copy = createMemoryStorage({ 'jwt-session': storage.getItem('jwt-session')! })
    // Foreign code of the origin answers every question for a key with its own.
    const forged = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
    const foreign = harness.tab().channel('jwt-session:jwt-session:dpop')!
    foreign.addEventListener('message', ({ data }) => {
      const { sessionId, keyId } = data as { sessionId: string; keyId?: string }
      if (keyId === undefined) foreign.postMessage({ type: 'jwt-session:dpop', v: 1, sessionId, keyId: 'forged', keys: forged })
    })
    const second = open({ storage: copy })
    await second.ready()
    const before = sent.length
    await expect(second.fetch(url('/api/me'))).rejects.toMatchObject({ code: 'dpop_unavailable' })
    expect(sent.length).toBe(before) // nothing went out signed with the forged key
    foreign.close()
  })

  it('never takes a key offered before the tab holds the session unless the token names it: the session’s own key is asked for', async () => {
    const { open, signIn, harness, sent } = setup()
    const first = open()
    await signIn(first)
    const jkt = (readClaims(first.getSnapshot().accessToken!).cnf as { jkt: string }).jkt
    // Foreign code of the origin offers its own key for the session as soon as a new tab asks for one.
    const forged = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
    const sessionId = first.getSnapshot().sessionId!
    const sessions = harness.tab().channel('jwt-session:jwt-session')!
    const keys = harness.tab().channel('jwt-session:jwt-session:dpop')!
    sessions.addEventListener('message', ({ data }) => {
      if ((data as { type?: string }).type === 'session-request')
        keys.postMessage({ type: 'jwt-session:dpop', v: 1, sessionId, keyId: 'forged', keys: forged })
    })
    const second = open()
    await second.ready()
    const before = sent.length
    expect((await second.fetch(url('/api/me'))).status).toBe(200)
    const proofs = sent.slice(before).filter((s) => s.proof)
    expect(proofs.map((s) => proofOf(s.proof).header.jwk)).toEqual([expect.objectContaining({ kty: 'EC' })])
    expect(await calculateJwkThumbprint(proofOf(proofs[0]!.proof).header.jwk)).toBe(jkt)
    sessions.close()
    keys.close()
  })

  it('a tab open before the login takes the key offered with the session: it asks no tab for it', async () => {
    const { open, signIn, harness, sent } = setup()
    const tabs = [open(), open()]
    const heard: { keyId?: string }[] = []
    const listener = harness.tab().channel('jwt-session:jwt-session:dpop')!
    listener.addEventListener('message', ({ data }) => heard.push(data as { keyId?: string }))
    await signIn(tabs[0]!)
    await settled()
    expect(tabs[1]!.getSnapshot().sessionId).toBe(tabs[0]!.getSnapshot().sessionId)
    expect((await tabs[1]!.fetch(url('/api/me'))).status).toBe(200)
    expect(heard.filter((message) => message.keyId === undefined)).toEqual([]) // no question for the key
    expect(heard.filter((message) => message.keyId !== undefined)).toHaveLength(1) // the one offer
    const keys = sent.filter((s) => s.proof).map((s) => proofOf(s.proof).header.jwk.x)
    expect(new Set(keys).size).toBe(1)
    listener.close()
  })

  it('works in this tab alone where the browser refuses a channel: start() does not throw', async () => {
    const { open, signIn } = setup()
    const refusing = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError')
    }
    let tab: AuthClient | undefined
    expect(() => (tab = open({ channel: refusing }))).not.toThrow()
    await signIn(tab!)
    expect((await tab!.fetch(url('/api/me'))).status).toBe(200)
    expect(() => tab!.stop()).not.toThrow()
  })

  it('takes no pair whose private key is extractable or does not match its public key', async () => {
    const generate = (extractable: boolean) =>
      crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, extractable, ['sign', 'verify'])
    const [own, other, exportable] = await Promise.all([generate(false), generate(false), generate(true)])
    expect(await toDpopKey('own', own)).toMatchObject({ id: 'own' })
    expect(await toDpopKey('mixed', { privateKey: other.privateKey, publicKey: own.publicKey })).toBeNull()
    expect(await toDpopKey('exportable', exportable)).toBeNull()
  })

  it('never signs with a stored pair whose private key is not its public key’s: dpop_unavailable, nothing sent', async () => {
    const { open, signIn, keyStore, sent } = setup()
    const storage = createMemoryStorage()
    const tab = open({ storage, channel: null })
    await signIn(tab)
    tab.stop()
    // Other code of the origin swaps the private half in the key store; the public half still matches cnf.jkt.
    const [[id, pair]] = [...keyStore.keys.entries()] as [[string, CryptoKeyPair]]
    const other = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
    keyStore.keys.set(id, { privateKey: other.privateKey, publicKey: pair.publicKey })
    const reloaded = open({ storage, channel: null })
    await reloaded.ready()
    const before = sent.length
    await expect(reloaded.fetch(url('/api/me'))).rejects.toMatchObject({ code: 'dpop_unavailable' })
    expect(sent.length).toBe(before)
  })

  it('never takes from another tab a pair whose private key is not its public key’s: dpop_unavailable, nothing sent', async () => {
    const { open, signIn, harness, keyStore, sent } = setup()
    const storage = createMemoryStorage()
    const first = open({ storage })
    await signIn(first)
    first.stop() // the only tab that holds the key is gone; a copy of its session stays (no key id)
    const copy = createMemoryStorage({ 'jwt-session': storage.getItem('jwt-session')! })
    const [pair] = [...keyStore.keys.values()]
    const other = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
    const mixed = { privateKey: other.privateKey, publicKey: pair!.publicKey } // its thumbprint is cnf.jkt
    const foreign = harness.tab().channel('jwt-session:jwt-session:dpop')!
    foreign.addEventListener('message', ({ data }) => {
      const { sessionId, keyId } = data as { sessionId: string; keyId?: string }
      if (keyId === undefined) foreign.postMessage({ type: 'jwt-session:dpop', v: 1, sessionId, keyId: 'mixed', keys: mixed })
    })
    const second = open({ storage: copy })
    await second.ready()
    const before = sent.length
    await expect(second.fetch(url('/api/me'))).rejects.toMatchObject({ code: 'dpop_unavailable' })
    expect(sent.length).toBe(before)
    foreign.close()
  })

  it('never takes a pair offered before the session arrives whose private key is not its public key’s: the session’s own key is asked for', async () => {
    const { open, signIn, harness, keyStore, sent } = setup()
    const first = open()
    await signIn(first)
    const sessionId = first.getSnapshot().sessionId!
    const [pair] = [...keyStore.keys.values()]
    const other = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
    const mixed = { privateKey: other.privateKey, publicKey: pair!.publicKey }
    const sessions = harness.tab().channel('jwt-session:jwt-session')!
    const keys = harness.tab().channel('jwt-session:jwt-session:dpop')!
    sessions.addEventListener('message', ({ data }) => {
      if ((data as { type?: string }).type === 'session-request')
        keys.postMessage({ type: 'jwt-session:dpop', v: 1, sessionId, keyId: 'mixed', keys: mixed })
    })
    const second = open()
    await second.ready()
    const before = sent.length
    expect((await second.fetch(url('/api/me'))).status).toBe(200)
    expect(sent.length).toBe(before + 1) // signed with the session's own key: accepted at once
    sessions.close()
    keys.close()
  })

  it('makes a new key for the login rather than reuse an extractable pair found under the sign-in page’s key id', async () => {
    const { open, keyStore } = setup()
    const storage = createMemoryStorage()
    const post = (tab: AuthClient, password: string) =>
      tab.loginFetch(url('/auth/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password }),
      })
    const page = open({ storage, channel: null })
    expect((await post(page, 'wrong')).status).toBe(401)
    page.stop()
    // Other code of the origin puts a pair whose private key it can export under the page's key id.
    const planted = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
    keyStore.keys.set(JSON.parse(storage.getItem('jwt-session:dpop:pending')!).keyId, planted)
    const reloaded = open({ storage, channel: null })
    const response = await post(reloaded, 'alice-password')
    reloaded.login((await response.json()) as { accessToken: string; refreshToken: string })
    const jkt = readClaims<{ cnf: { jkt: string } }>(reloaded.getSnapshot().accessToken!).cnf.jkt
    expect(jkt).not.toBe(await calculateJwkThumbprint(await crypto.subtle.exportKey('jwk', planted.publicKey)))
    expect((await reloaded.fetch(url('/api/me'))).status).toBe(200)
  })

  it('a token copied to another profile is refused there, even with that profile’s own valid proof', async () => {
    const { open, signIn, server } = setup()
    const tab = open()
    await signIn(tab)
    const stolen = tab.getSnapshot().accessToken!
    const thief = createBrowserFetch(server.handler)
    const key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
    const own = (await toDpopKey('thief', key))!
    const proof = await signProof(own, { htm: 'GET', url: url('/api/me'), iat: Math.floor(Date.now() / 1000), accessToken: stolen })
    const response = await thief(url('/api/me'), { headers: { authorization: `DPoP ${stolen}`, dpop: proof } })
    expect(response.status).toBe(401)
  })

  it('does not combine with restore: a cold start has no key', () => {
    expect(() => createAuthClient({ refresh: async () => ({ accessToken: '' }), dpop: dpop(), restore: cookieRestore })).toThrow(TypeError)
  })
})
