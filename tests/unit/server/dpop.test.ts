// @vitest-environment node
import { SignJWT, base64url, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createDpopVerifier } from '../../../src/testing/server/dpop'
import type { RequestContext } from '../../../src/testing/server/http'
import { createAuthServer, createBrowserFetch, type AuthServerOptions, type BrowserFetch } from '../../../src/testing/server/index'
import { readClaims } from '../../support/session'

interface Pair {
  accessToken: string
  refreshToken: string
}

const ORIGIN = 'http://localhost'
const DPOP_INVALID_TOKEN = 'DPoP error="invalid_token", algs="ES256"'
const DPOP_INVALID_PROOF = 'DPoP error="invalid_dpop_proof", algs="ES256"'

interface ProofOptions {
  accessToken?: string
  nonce?: string
  /** Overrides of the claims the proof would carry; `undefined` leaves a claim out. */
  claims?: Record<string, unknown>
  header?: Record<string, unknown>
  /** Seconds added to `iat` (server time). */
  iatOffset?: number
}

async function sha256Base64url(text: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))))
}

/** A client's DPoP key pair: the private key never leaves this object, like a non-extractable CryptoKey. */
async function dpopKey(serverNow: () => number) {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = await exportJWK(publicKey)
  const jkt = await calculateJwkThumbprint(jwk)
  const proof = async (method: string, path: string, options: ProofOptions = {}) => {
    const claims: Record<string, unknown> = {
      htm: method,
      htu: new URL(path, ORIGIN).href,
      jti: crypto.randomUUID(),
      iat: Math.floor(serverNow() / 1000) + (options.iatOffset ?? 0),
      ...(options.accessToken !== undefined ? { ath: await sha256Base64url(options.accessToken) } : {}),
      ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
      ...options.claims,
    }
    for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key]
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...options.header }).sign(privateKey)
  }
  return { jkt, jwk, privateKey, proof }
}

type Key = Awaited<ReturnType<typeof dpopKey>>

function setup(options: AuthServerOptions = {}) {
  let clockOffset = 0
  const server = createAuthServer({ passwordIterations: 1000, dpop: true, ...options })
  const serverNow = () => Date.now() + clockOffset
  const setClockOffset = (ms: number) => {
    clockOffset = ms
    server.control.setClockOffset(ms)
  }
  const browser = createBrowserFetch(server.handler)
  const newKey = () => dpopKey(serverNow)
  const post = (path: string, body: unknown, headers: Record<string, string>, b: BrowserFetch = browser) =>
    b(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  const loginWith = async (key: Key, extra: ProofOptions = {}, b: BrowserFetch = browser) =>
    post('/auth/login', { username: 'alice', password: 'alice-password' }, { dpop: await key.proof('POST', '/auth/login', extra) }, b)
  const login = async (key: Key, b: BrowserFetch = browser) => {
    const response = await loginWith(key, {}, b)
    expect(response.status).toBe(200)
    return (await response.json()) as Pair
  }
  const refreshWith = async (key: Key, refreshToken: string, extra: ProofOptions = {}, b: BrowserFetch = browser) =>
    post('/auth/refresh', { refreshToken }, { dpop: await key.proof('POST', '/auth/refresh', extra) }, b)
  /** GET `path` as `Authorization: DPoP <token>` with a proof of `key` (overridable). */
  const getMe = async (key: Key, accessToken: string, extra: ProofOptions = {}, b: BrowserFetch = browser, path = '/api/me') =>
    b(path, { headers: { authorization: `DPoP ${accessToken}`, dpop: await key.proof('GET', '/api/me', { accessToken, ...extra }) } })
  /** A second browser profile holding copies of this one's cookies (but not its DPoP key). */
  const copyProfile = () => {
    const copy = createBrowserFetch(server.handler)
    for (const [name, value] of browser.cookies()) copy.setCookie(name, value)
    return copy
  }
  return { server, browser, newKey, post, login, loginWith, refreshWith, getMe, copyProfile, setClockOffset }
}

async function expectChallenge(response: Response, challenge: string) {
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toBe(challenge)
}

describe('DPoP off (the default)', () => {
  it('issues unbound tokens and sends no DPoP-Nonce', async () => {
    const server = createAuthServer({ passwordIterations: 1000 })
    const browser = createBrowserFetch(server.handler)
    const response = await browser('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
    })
    const { accessToken } = (await response.json()) as Pair
    expect(readClaims(accessToken)).not.toHaveProperty('cnf')
    expect(response.headers.get('dpop-nonce')).toBeNull()
    // The DPoP scheme means nothing to a server without DPoP: the usual Bearer challenge.
    const me = await browser('/api/me', { headers: { authorization: `DPoP ${accessToken}` } })
    await expectChallenge(me, 'Bearer error="invalid_token"')
  })

  it('refuses dpopNonce without dpop, naming the fix', () => {
    expect(() => createAuthServer({ dpopNonce: true })).toThrow('dpopNonce needs dpop: true')
  })
})

describe('DPoP login', () => {
  it('binds the access token to the proof key (cnf.jkt)', async () => {
    const { newKey, login } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    expect(readClaims(accessToken)).toMatchObject({ cnf: { jkt: key.jkt } })
  })

  it('answers 400 invalid_dpop_proof to a login without a proof', async () => {
    const { server, post } = setup()
    const response = await post('/auth/login', { username: 'alice', password: 'alice-password' }, {})
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'invalid_dpop_proof' })
    expect(server.control.counters().logins).toBe(0)
  })

  it('refuses a proof whose header jwk holds the private key', async () => {
    const { post } = setup()
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const proof = await new SignJWT({ htm: 'POST', htu: `${ORIGIN}/auth/login`, jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(privateKey) })
      .setIssuedAt()
      .sign(privateKey)
    const response = await post('/auth/login', { username: 'alice', password: 'alice-password' }, { dpop: proof })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'invalid_dpop_proof' })
  })
})

describe('DPoP-bound access tokens on resources', () => {
  it('answers /api/me with a valid proof', async () => {
    const { newKey, login, getMe } = setup()
    const key = await newKey()
    const response = await getMe(key, (await login(key)).accessToken)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ username: 'alice' })
  })

  it('ignores the query string when matching htu', async () => {
    const { newKey, login, getMe } = setup()
    const key = await newKey()
    const response = await getMe(key, (await login(key)).accessToken, {}, undefined, '/api/me?fields=all')
    expect(response.status).toBe(200)
  })

  it('refuses a proof signed by another key than the one in its header', async () => {
    const { newKey, login, browser } = setup()
    const key = await newKey()
    const other = await newKey()
    const { accessToken } = await login(key)
    const claims = { htm: 'GET', htu: `${ORIGIN}/api/me`, jti: crypto.randomUUID(), ath: await sha256Base64url(accessToken) }
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
      .setIssuedAt()
      .sign(other.privateKey)
    const response = await browser('/api/me', { headers: { authorization: `DPoP ${accessToken}`, dpop: forged } })
    await expectChallenge(response, DPOP_INVALID_PROOF)
    expect(await response.json()).toEqual({ error: 'invalid_dpop_proof' })
  })

  it('refuses a proof whose payload was edited after signing', async () => {
    const { newKey, login, browser } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    // A valid proof for /api/todos, re-pointed at /api/me.
    const [header, payload, signature] = (await key.proof('GET', '/api/todos', { accessToken })).split('.')
    const edited = base64url.encode(JSON.stringify({ ...readClaims(`.${payload}.`), htu: `${ORIGIN}/api/me` }))
    const response = await browser('/api/me', {
      headers: { authorization: `DPoP ${accessToken}`, dpop: `${header}.${edited}.${signature}` },
    })
    await expectChallenge(response, DPOP_INVALID_PROOF)
  })

  it('refuses a replayed proof (same jti)', async () => {
    const { newKey, login, browser } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    const headers = { authorization: `DPoP ${accessToken}`, dpop: await key.proof('GET', '/api/me', { accessToken }) }
    expect((await browser('/api/me', { headers })).status).toBe(200)
    await expectChallenge(await browser('/api/me', { headers }), DPOP_INVALID_PROOF)
  })

  it.each<[string, ProofOptions]>([
    ['the wrong htm', { claims: { htm: 'POST' } }],
    ['the wrong htu', { claims: { htu: `${ORIGIN}/api/todos` } }],
    ['another origin in htu', { claims: { htu: 'https://evil.example/api/me' } }],
    ['an iat 2 minutes old', { iatOffset: -120 }],
    ['an iat 2 minutes ahead', { iatOffset: 120 }],
    ['no ath', { claims: { ath: undefined } }],
    ['the ath of another token', { claims: { ath: base64url.encode(new Uint8Array(32)) } }],
    ['no jti', { claims: { jti: undefined } }],
    ['typ JWT', { header: { typ: 'JWT' } }],
  ])('refuses a proof with %s', async (_name, extra) => {
    const { newKey, login, getMe } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    await expectChallenge(await getMe(key, accessToken, extra), DPOP_INVALID_PROOF)
  })

  it('accepts an iat within the 60 s window either way', async () => {
    const { newKey, login, getMe } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    expect((await getMe(key, accessToken, { iatOffset: -50 })).status).toBe(200)
    expect((await getMe(key, accessToken, { iatOffset: 50 })).status).toBe(200)
  })

  it('refuses a token copied to a second browser profile, used with that profile’s own key', async () => {
    const { newKey, login, getMe, copyProfile } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    const thief = await newKey()
    const response = await getMe(thief, accessToken, {}, copyProfile())
    await expectChallenge(response, DPOP_INVALID_TOKEN)
    expect(await response.json()).toEqual({ error: 'invalid_token' })
    // With the rightful key, the copied profile gets in: the cookies are all it lacked.
    expect((await getMe(key, accessToken, {}, copyProfile())).status).toBe(200)
  })

  it('refuses a bound token sent as Bearer, with the DPoP challenge', async () => {
    const { newKey, login, browser } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    const response = await browser('/api/me', { headers: { authorization: `Bearer ${accessToken}` } })
    await expectChallenge(response, DPOP_INVALID_TOKEN)
  })

  it('still requires the fingerprint cookie beside the proof', async () => {
    const { server, newKey, login, getMe } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    await expectChallenge(await getMe(key, accessToken, {}, createBrowserFetch(server.handler)), DPOP_INVALID_TOKEN)
  })

  it('serves /graphql with a DPoP token and proof', async () => {
    const { newKey, login, browser } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    const response = await browser('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `DPoP ${accessToken}`,
        dpop: await key.proof('POST', '/graphql', { accessToken }),
      },
      body: JSON.stringify({ query: '{ me { username } }' }),
    })
    expect(await response.json()).toEqual({ data: { me: { username: 'alice' } } })
  })
})

describe('DPoP replay cache', () => {
  afterEach(() => vi.useRealTimers())

  it('lets a key that floods the cache lock out only itself: after 10,000 junk proofs from one key, other clients still log in and call the API', async () => {
    const { newKey, login, getMe } = setup()
    const flooder = await newKey()
    // Self-signed proofs for a token that does not exist: no account, no password, no token.
    for (let i = 0; i < 10_000; i++) {
      const response = await getMe(flooder, 'not-a-token')
      expect(response.headers.get('www-authenticate')).toBe(DPOP_INVALID_TOKEN)
    }
    // The flooder's own next proof finds its key's cache full: refused, as refusing beats forgetting.
    await expectChallenge(await getMe(flooder, 'not-a-token'), DPOP_INVALID_PROOF)

    const key = await newKey()
    const { accessToken } = await login(key)
    expect((await getMe(key, accessToken)).status).toBe(200)
    expect((await getMe(key, accessToken)).status).toBe(200)
  }, 60_000)

  it('bounds each key on its own: a key over its bound is refused until its proofs age out, and others are not', async () => {
    let clock = Date.UTC(2030, 0, 1, 12, 0, 0)
    const now = () => clock
    const verifier = createDpopVerifier({ now, requireNonce: false, maxProofsPerKey: 3 })
    const check = async (key: Key) => {
      const request = new Request(`${ORIGIN}/auth/login`, { method: 'POST', headers: { dpop: await key.proof('POST', '/auth/login') } })
      const ctx: RequestContext = { request, url: new URL(request.url), origin: ORIGIN, secure: false, cookies: new Map(), setCookies: [] }
      return (await verifier.check(ctx)).ok
    }
    const flooder = await dpopKey(now)
    const other = await dpopKey(now)
    expect([await check(flooder), await check(flooder), await check(flooder)]).toEqual([true, true, true])
    expect(await check(flooder)).toBe(false)
    expect(await check(other)).toBe(true)

    clock += 60_000 // the flooder's proofs can still pass: still remembered, still full
    expect(await check(flooder)).toBe(false)
    clock += 1 // now none can: forgotten, and the key is served again
    expect(await check(flooder)).toBe(true)
  })

  it('refuses a recorded request replayed at exactly iat + 60 s, the last instant its iat still passes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = Date.UTC(2030, 0, 1, 12, 0, 0) // a whole second: iat * 1000 is exactly this
    vi.setSystemTime(start)
    const { newKey, login, getMe, browser } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    const headers = { authorization: `DPoP ${accessToken}`, dpop: await key.proof('GET', '/api/me', { accessToken }) }
    expect((await browser('/api/me', { headers })).status).toBe(200)

    vi.setSystemTime(start + 60_000)
    await expectChallenge(await browser('/api/me', { headers }), DPOP_INVALID_PROOF)
    // A fresh proof with the same iat is still inside the window at this instant: the bound is inclusive.
    expect((await getMe(key, accessToken, { iatOffset: -60 })).status).toBe(200)
    vi.setSystemTime(start + 60_001)
    await expectChallenge(await browser('/api/me', { headers }), DPOP_INVALID_PROOF)
  })

  it('refuses a replay of a proof dated 60 s ahead until iat + 60 s, and accepts iat exactly 60 s either side', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = Date.UTC(2030, 0, 1, 12, 0, 0)
    vi.setSystemTime(start)
    const { newKey, login, getMe, browser } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    expect((await getMe(key, accessToken, { iatOffset: -60 })).status).toBe(200)
    await expectChallenge(await getMe(key, accessToken, { iatOffset: -61 }), DPOP_INVALID_PROOF)
    await expectChallenge(await getMe(key, accessToken, { iatOffset: 61 }), DPOP_INVALID_PROOF)

    const headers = { authorization: `DPoP ${accessToken}`, dpop: await key.proof('GET', '/api/me', { accessToken, iatOffset: 60 }) }
    expect((await browser('/api/me', { headers })).status).toBe(200)
    vi.setSystemTime(start + 120_000) // iat + 60 s: the proof's last instant
    await expectChallenge(await browser('/api/me', { headers }), DPOP_INVALID_PROOF)
  })
})

describe('DPoP logout', () => {
  it('logs out everywhere with a DPoP token and proof, and refuses the bound token as Bearer', async () => {
    const { server, newKey, login, post } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    const asBearer = await post('/auth/logout-all', {}, { authorization: `Bearer ${accessToken}` })
    await expectChallenge(asBearer, DPOP_INVALID_TOKEN)
    const proof = await key.proof('POST', '/auth/logout-all', { accessToken })
    const response = await post('/auth/logout-all', {}, { authorization: `DPoP ${accessToken}`, dpop: proof })
    expect(response.status).toBe(204)
    expect(server.control.counters().revocations).toBe(1)
  })

  it('logs out with the DPoP-scheme token alone: it only names the session to end', async () => {
    const { server, newKey, login, post } = setup()
    const key = await newKey()
    const { accessToken } = await login(key)
    expect((await post('/auth/logout', {}, { authorization: `DPoP ${accessToken}` })).status).toBe(204)
    expect(server.control.counters().revocations).toBe(1)
  })
})

describe('DPoP-bound refresh', () => {
  it('rotates with a proof of the login key and keeps the binding', async () => {
    const { newKey, login, refreshWith } = setup()
    const key = await newKey()
    const { refreshToken } = await login(key)
    const response = await refreshWith(key, refreshToken)
    expect(response.status).toBe(200)
    const pair = (await response.json()) as Pair
    expect(readClaims(pair.accessToken)).toMatchObject({ cnf: { jkt: key.jkt } })
  })

  it('refuses a refresh without a proof with 400 and leaves the token unspent', async () => {
    const { server, newKey, login, post, refreshWith } = setup()
    const key = await newKey()
    const { refreshToken } = await login(key)
    const response = await post('/auth/refresh', { refreshToken }, {})
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'invalid_dpop_proof' })
    expect((await refreshWith(key, refreshToken)).status).toBe(200)
    expect(server.control.counters()).toMatchObject({ refreshes: 1, reuseEvents: 0 })
  })

  it('refuses another key with invalid_grant without revoking the family', async () => {
    const { server, newKey, login, refreshWith, copyProfile } = setup()
    const key = await newKey()
    const thief = await newKey()
    const thiefProfile = copyProfile()
    const { refreshToken } = await login(key)

    const stolen = await refreshWith(thief, refreshToken, {}, thiefProfile)
    expect(stolen.status).toBe(401)
    expect(await stolen.json()).toEqual({ error: 'invalid_grant' })

    // The rightful client refreshes with the very token the thief presented: it was not spent.
    const rightful = await refreshWith(key, refreshToken)
    expect(rightful.status).toBe(200)
    const next = (await rightful.json()) as Pair

    // The now spent token, presented with the thief's key, is refused but is not reuse either.
    expect((await refreshWith(thief, refreshToken, {}, thiefProfile)).status).toBe(401)
    expect((await refreshWith(key, next.refreshToken)).status).toBe(200)
    expect(server.control.counters()).toMatchObject({ refreshes: 2, reuseEvents: 0, revocations: 0 })
  })

  it('binds the GraphQL refresh action to the key as well', async () => {
    const { newKey, login, browser } = setup()
    const key = await newKey()
    const thief = await newKey()
    const { refreshToken } = await login(key)
    const action = async (k: Key) => {
      const response = await browser('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', dpop: await k.proof('POST', '/graphql') },
        body: JSON.stringify({
          query: 'mutation R($refreshToken: String!) { refreshJwtToken(refreshToken: $refreshToken) { jwt refreshToken } }',
          variables: { refreshToken },
        }),
      })
      return (await response.json()) as { data?: { refreshJwtToken: { jwt: string } }; errors?: { message: string }[] }
    }
    expect((await action(thief)).errors?.[0]?.message).toBe('invalid_grant')
    const ok = await action(key)
    expect(readClaims(ok.data!.refreshJwtToken.jwt)).toMatchObject({ cnf: { jkt: key.jkt } })
  })
})

describe('DPoP nonces', () => {
  it('challenges a login without the nonce, then accepts the retry that carries it', async () => {
    const { server, browser, newKey, loginWith } = setup({ dpopNonce: true })
    const key = await newKey()
    const first = await loginWith(key)
    expect(first.status).toBe(400)
    expect(await first.json()).toEqual({ error: 'use_dpop_nonce' })
    const nonce = first.headers.get('dpop-nonce')
    expect(nonce).toMatch(/^[\w-]{16,}$/)
    const retry = await loginWith(key, { nonce: nonce! })
    expect(retry.status).toBe(200)
    expect(retry.headers.get('dpop-nonce')).toBe(nonce)
    expect(server.control.counters().logins).toBe(1)
    // Every response carries it, even one for a path that does not exist.
    expect((await browser('/nowhere')).headers.get('dpop-nonce')).toBe(nonce)
  })

  it('does not spend the refresh token on a nonce challenge', async () => {
    const { server, newKey, loginWith, refreshWith, setClockOffset } = setup({ dpopNonce: true })
    const key = await newKey()
    const nonce = (await loginWith(key)).headers.get('dpop-nonce')!
    const { refreshToken } = (await (await loginWith(key, { nonce })).json()) as Pair

    // Five minutes on, the nonce has been replaced: the refresh is challenged with the new one.
    setClockOffset(301_000)
    const challenged = await refreshWith(key, refreshToken, { nonce })
    expect(challenged.status).toBe(400)
    expect(await challenged.json()).toEqual({ error: 'use_dpop_nonce' })
    const fresh = challenged.headers.get('dpop-nonce')!
    expect(fresh).not.toBe(nonce)
    expect(server.control.counters().refreshes).toBe(0)

    const retry = await refreshWith(key, refreshToken, { nonce: fresh })
    expect(retry.status).toBe(200)
    expect(server.control.counters()).toMatchObject({ refreshes: 1, reuseEvents: 0 })
  })

  it('challenges a resource request with 401 use_dpop_nonce and DPoP-Nonce', async () => {
    const { newKey, loginWith, getMe } = setup({ dpopNonce: true })
    const key = await newKey()
    const nonce = (await loginWith(key)).headers.get('dpop-nonce')!
    const { accessToken } = (await (await loginWith(key, { nonce })).json()) as Pair
    const challenged = await getMe(key, accessToken)
    await expectChallenge(challenged, 'DPoP error="use_dpop_nonce", algs="ES256"')
    expect(await challenged.json()).toEqual({ error: 'use_dpop_nonce' })
    expect(challenged.headers.get('dpop-nonce')).toBe(nonce)
    expect((await getMe(key, accessToken, { nonce })).status).toBe(200)
  })
})
