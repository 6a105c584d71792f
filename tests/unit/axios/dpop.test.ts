// @vitest-environment node
// attachAxios on a DPoP client: axios's node:http adapter against the reference server in DPoP
// mode, over real sockets. Each request must carry a proof of its own method and URL, as those of
// auth.fetch do, and a nonce challenge is answered once without spending a refresh.
import axios, { type AxiosInstance } from 'axios'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { attachAxios } from '../../../src/axios'
import type { AuthClient } from '../../../src/core/client'
import { dpop } from '../../../src/parts/dpop'
import type { DpopKeyStore } from '../../../src/parts/dpopKeyStore'
import { sha256 } from '../../../src/parts/dpopProof'
import type { TokenPair } from '../../../src/core/tokens'
import { startNetwork, type Network } from './network'

let net: Network
beforeEach(async () => {
  net = await startNetwork({ dpop: true })
})
afterEach(() => net.close())

/** The key store of one browser profile: a Map in place of IndexedDB. */
function memoryKeyStore(): DpopKeyStore {
  const keys = new Map<string, CryptoKeyPair>()
  return {
    get: async (id) => keys.get(id),
    put: async (id, pair) => void keys.set(id, pair),
    delete: async (id) => void keys.delete(id),
    prune: async () => {},
  }
}

interface Received {
  path: string
  scheme: string | undefined
  proof: { htm?: string; htu?: string; ath?: string; nonce?: string; jti?: string } | null
}

/** alice signed in with DPoP, and an axios instance (node:http) attached to her client. */
async function signedIn(): Promise<{ auth: AuthClient; api: AxiosInstance; received: Received[] }> {
  const auth = net.createClient({ dpop: dpop({ keyStore: memoryKeyStore() }), fetch: net.send })
  const response = await auth.loginFetch(`${net.api}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
  })
  auth.login((await response.json()) as TokenPair)
  net.seen.length = 0
  net.server.control.resetCounters()
  const api = axios.create({ baseURL: net.api, adapter: 'http' })
  attachAxios(auth, api, { allowedOrigins: [net.api] })
  const received: Received[] = []
  watch(received)
  return { auth, api, received }
}

/** Records what each API request carried; `answer` may answer in the server's place. */
function watch(received: Received[], answer: (request: Request, proof: Received['proof']) => Response | void = () => {}) {
  net.intercept((request) => {
    const { pathname } = new URL(request.url)
    if (!pathname.startsWith('/api/')) return
    const proofHeader = request.headers.get('dpop')
    const proof = proofHeader
      ? (JSON.parse(Buffer.from(proofHeader.split('.')[1]!, 'base64url').toString('utf8')) as Received['proof'])
      : null
    received.push({ path: pathname, scheme: request.headers.get('authorization')?.split(' ')[0], proof })
    return answer(request, proof)
  })
}

const nonceChallenge = (status: 400 | 401) =>
  status === 401
    ? new Response(null, { status, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-2' } })
    : Response.json({ error: 'use_dpop_nonce' }, { status, headers: { 'dpop-nonce': 'n-2' } })

describe('attachAxios on a client with dpop()', () => {
  it('signs each request as auth.fetch does: Authorization: DPoP and a proof of its method and URL, accepted by the server', async () => {
    const { auth, api, received } = await signedIn()
    const token = auth.getSnapshot().accessToken!

    const me = await api.get('/api/me', { params: { verbose: 1 } })
    const todo = await api.post('/api/todos', { title: 'buy milk' })

    expect([me.status, todo.status]).toEqual([200, 201])
    expect(received).toEqual([
      {
        path: '/api/me',
        scheme: 'DPoP',
        proof: expect.objectContaining({ htm: 'GET', htu: `${net.api}/api/me`, ath: await sha256(token) }),
      },
      { path: '/api/todos', scheme: 'DPoP', proof: expect.objectContaining({ htm: 'POST', htu: `${net.api}/api/todos` }) },
    ])
    expect(received[0]!.proof!.jti).not.toBe(received[1]!.proof!.jti)
  })

  it('a revoked token: one refresh, and the replay carries a new proof for the fresh token', async () => {
    const { auth, api, received } = await signedIn()
    net.server.control.revokeAccessToken(auth.getSnapshot().accessToken!)

    const { status } = await api.get('/api/me')

    expect(status).toBe(200)
    expect(net.refreshRequests()).toHaveLength(1)
    expect(received).toHaveLength(2)
    expect(received[1]!.proof!.ath).toBe(await sha256(auth.getSnapshot().accessToken!))
  })

  it.each([401, 400] as const)(
    'answers a %i use_dpop_nonce once with the server’s nonce and spends no refresh; later proofs to that origin carry it',
    async (status) => {
      const { auth, api, received } = await signedIn()
      watch(received, (_request, proof) => (proof?.nonce === 'n-2' ? undefined : nonceChallenge(status)))

      const { status: answered } = await api.post('/api/todos', { title: 'buy milk' })
      const later = await auth.fetch(`${net.api}/api/me`)

      expect([answered, later.status]).toEqual([201, 200])
      expect(received.map((r) => r.proof?.nonce ?? '-')).toEqual(['-', 'n-2', 'n-2'])
      expect(net.refreshRequests()).toHaveLength(0)
    },
  )

  it('a proof the server keeps refusing rejects dpop_proof_refused with its status: no refresh, no third try', async () => {
    const { api, received } = await signedIn()
    watch(received, () => nonceChallenge(401))
    await expect(api.get('/api/me')).rejects.toMatchObject({ name: 'AuthError', code: 'dpop_proof_refused', status: 401 })
    expect(received).toHaveLength(2) // challenged, answered with the nonce, challenged again

    received.length = 0
    watch(received, () => new Response(null, { status: 401, headers: { 'www-authenticate': 'DPoP error="invalid_dpop_proof"' } }))
    await expect(api.get('/api/me')).rejects.toMatchObject({ code: 'dpop_proof_refused', status: 401 })
    expect(received).toHaveLength(1)
    expect(net.refreshRequests()).toHaveLength(0)
  })

  it('an AxiosError that reaches the app carries neither the token nor the proof', async () => {
    const { auth, api, received } = await signedIn()
    watch(received, () => Response.json({ error: 'server_error' }, { status: 500 }))

    const error = await api.get('/api/me').catch((caught: unknown) => caught)

    expect(axios.isAxiosError(error) && error.response?.status).toBe(500)
    expect(received[0]!.scheme).toBe('DPoP') // it went out signed
    const { config } = error as { config: { headers: { has(name: string): boolean } } }
    expect([config.headers.has('Authorization'), config.headers.has('DPoP')]).toEqual([false, false])
    expect(JSON.stringify((error as { toJSON(): unknown }).toJSON())).not.toContain(auth.getSnapshot().accessToken!.split('.')[2])
  })
})
