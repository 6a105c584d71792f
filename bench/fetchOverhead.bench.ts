// @vitest-environment node
// Node's native URL and fetch classes, as in a browser; jsdom's pure-JS URL would dominate the figure.
// Per-request cost of client.fetch over the fetch it wraps, and refresh requests under a 401 burst.
// Run: npx vitest bench --run bench/fetchOverhead.bench.ts
import { bench, describe } from 'vitest'
import { restRefresh } from '../src/adapters/rest'
import { createAuthClient } from '../src/core/client'
import { createMemoryStorage, createTestJwt } from '../src/testing'

const URL_ = 'http://localhost:3000/api/todos?page=2'
const INIT: RequestInit = { headers: { Accept: 'application/json' } }

/** An in-process server: /auth/refresh issues a token, everything else wants a token it issued. */
function createStub() {
  const valid = new Set<string>()
  let refreshRequests = 0
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (url.endsWith('/auth/refresh')) {
      refreshRequests++
      const accessToken = createTestJwt({ sub: 'user-1' })
      valid.add(accessToken)
      return Response.json({ accessToken, refreshToken: `rt-${refreshRequests}` })
    }
    const headers = init?.headers as Record<string, string> | undefined
    const token = headers?.Authorization?.slice(7)
    if (token !== undefined && !valid.has(token)) return Response.json({ error: 'invalid_token' }, { status: 401 })
    return new Response('{"todos":[{"id":1,"title":"Buy milk"}]}', { headers: { 'content-type': 'application/json' } })
  }
  return { fetch: fetch as typeof globalThis.fetch, valid, refreshRequests: () => refreshRequests }
}

function createClient(stub: ReturnType<typeof createStub>) {
  return createAuthClient({
    refresh: restRefresh({ url: 'http://localhost:3000/auth/refresh', fetch: stub.fetch }),
    fetch: stub.fetch,
    allowedOrigins: ['http://localhost:3000'],
    storage: createMemoryStorage(),
    channel: null,
    locks: null,
  })
}

const stub = createStub()
const client = createClient(stub)
const token = createTestJwt({ sub: 'user-1' }, { expiresIn: 24 * 3600 })
stub.valid.add(token)
client.login({ accessToken: token, refreshToken: 'rt-0' })

// The fair baseline is what an app does without the library: the same header, set by hand on each
// request (the token rotates, so an app cannot keep one constant init object either).
const plain = async () =>
  void (await (await stub.fetch(URL_, { headers: { Accept: 'application/json', Authorization: `Bearer ${token}` } })).json())
const bare = async () => void (await (await stub.fetch(URL_, INIT)).json())
const authed = async () => void (await (await client.fetch(URL_, INIT)).json())

/** Median ns per request over interleaved rounds, so drift hits both sides alike. */
async function measure(run: () => Promise<void>, requests: number): Promise<number> {
  const start = performance.now()
  for (let i = 0; i < requests; i++) await run()
  return ((performance.now() - start) * 1e6) / requests
}
async function compare(rounds = 25, requests = 5_000) {
  const runs = { plain, bare, authed }
  const times: Record<keyof typeof runs, number[]> = { plain: [], bare: [], authed: [] }
  for (const run of Object.values(runs)) await measure(run, requests) // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(runs)) times[name as keyof typeof runs].push(await measure(run, requests))
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!
  return { plain: median(times.plain), bare: median(times.bare), authed: median(times.authed) }
}

async function burst(concurrent: number) {
  const burstStub = createStub()
  const burstClient = createClient(burstStub)
  // Valid for the client (not expired), revoked for the server: every request gets a 401.
  burstClient.login({ accessToken: createTestJwt({ sub: 'user-1' }), refreshToken: 'rt-0' })
  const responses = await Promise.all(Array.from({ length: concurrent }, () => burstClient.fetch(URL_, INIT)))
  return { refreshRequests: burstStub.refreshRequests(), ok: responses.filter((response) => response.ok).length }
}

const { plain: plainNs, bare: bareNs, authed: authedNs } = await compare()
const storm = await burst(50)
console.log(
  [
    `fetch overhead (in-process stub, JSON body read; median of 25 interleaved rounds of 5 000):`,
    `  plain fetch + hand-set Bearer ${(plainNs / 1000).toFixed(2)} µs/request, client.fetch ${(authedNs / 1000).toFixed(2)} µs/request`,
    `  ratio ${(authedNs / plainNs).toFixed(3)}× (target ≤ 1.10×), overhead ${((authedNs - plainNs) / 1000).toFixed(2)} µs/request`,
    `  (plain fetch without any Authorization header: ${(bareNs / 1000).toFixed(2)} µs/request, ratio ${(authedNs / bareNs).toFixed(3)}×)`,
    `50 concurrent 401s: ${storm.refreshRequests} refresh request(s) (target 1), ${storm.ok}/50 replays succeeded`,
  ].join('\n'),
)

describe('per request, same in-process stub', () => {
  bench('plain fetch, Bearer set by hand', plain)
  bench('plain fetch, no Authorization', bare)
  bench('client.fetch', authed)
})

describe('401 burst', () => {
  bench('50 concurrent 401s → 1 refresh + 50 replays', async () => {
    const { refreshRequests } = await burst(50)
    if (refreshRequests !== 1) throw new Error(`expected 1 refresh request, saw ${refreshRequests}`)
  })
})
