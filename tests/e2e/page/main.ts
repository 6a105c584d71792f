// The page every e2e tab loads: one real client from src/core with its browser defaults
// (sessionStorage, BroadcastChannel, navigator.locks), driven by the tests through `window.e2e`.
// URL parameters: `tab` (the name in logs and the x-e2e-tab header), `handoffTimeout`,
// `refreshTimeout`, `jitter=0`, `channel=none` and `locks=none` (a client without BroadcastChannel
// or Web Locks: a page that changes the session without any other page hearing of it),
// `holdLock=<name>` and `lockMode=shared` (the page holds that Web Lock while it lives: the
// bfcache probe),
// `idleTimeout=<ms>`, `maxSessionAge=<ms>` and `warnBefore=<ms>` (any of them: the client gets
// `timeout: sessionTimeout({ … })` with those given), `restore=cookie` (the client gets
// `restore: cookieRestore`: a cold start asks the server with the refresh cookie), `dpop=1` (the
// client gets `dpop: dpop()`; `login()` always sends through `client.loginFetch`, which signs only
// in DPoP mode) and `bfcache=1` (read by pageServer.ts: the document is served so Chromium may
// cache it). `devtools=1` mounts the devtools panel (open, named after the tab, with its Faults
// section for /auth/refresh and /api/me), loaded on demand as an app would and connected before
// the client starts (so a new tab's handoff is on its timeline), and logs each mark it draws (`devtools_mark`) when it first appears, and each
// change of the refresh-lock holder its Tabs section shows (`devtools_lock`).
// Revoke requests carry the x-e2e-tab header too, so the server's log can tell which tab revoked,
// and are logged in the page (`revoke_request`, `revoke_response`) like refresh requests.
import { cookieRestore, createAuthClient, dpop, sessionTimeout, type SessionTimeoutOptions } from '../../../src/core'
import { restRefresh, restRevoke } from '../../../src/adapters/rest'
import { createKeyPair, signProof, toDpopKey } from '../../../src/parts/dpopProof'
import { indexedDbKeyStore } from '../../../src/parts/dpopKeyStore'
import type { AuthEvent } from '../../../src/core'
import type { E2eApi, PageLogEntry } from './api'

const STORAGE_KEY = 'jwt-session'
/** Where dpop() keeps its keys (dpopKeyStore.ts). */
const KEY_DATABASE = 'jwt-session-dpop'
const KEY_STORE = 'keys'
const params = new URLSearchParams(location.search)
const tab = params.get('tab') ?? 'tab'
const at = () => performance.timeOrigin + performance.now()
const scriptStartedAt = at()

const entries: PageLogEntry[] = []
const shown: string[] = []
const received = new Set<string>()
const record = (entry: Omit<PageLogEntry, 't'>) => entries.push({ t: at(), ...entry })

function keepTokens(body: unknown): void {
  if (typeof body !== 'object' || body === null) return
  for (const key of ['accessToken', 'refreshToken']) {
    const value = (body as Record<string, unknown>)[key]
    if (typeof value === 'string') received.add(value)
  }
}

// The refresh adapter's fetch, logged so a test can tell which tab has a refresh on the wire.
const refreshFetch: typeof fetch = async (input, init) => {
  record({ type: 'refresh_request' })
  const response = await fetch(input, init)
  record({ type: 'refresh_response', httpStatus: response.status })
  if (response.ok) keepTokens(await response.clone().json())
  return response
}

// The revoke adapter's fetch, logged the same way: a test can wait until no revoke is on the wire.
const revokeFetch: typeof fetch = async (input, init) => {
  record({ type: 'revoke_request' })
  try {
    const response = await fetch(input, init)
    record({ type: 'revoke_response', httpStatus: response.status })
    return response
  } catch (error) {
    record({ type: 'revoke_response', code: errorCode(error) })
    throw error
  }
}

function toEntry(event: AuthEvent): Omit<PageLogEntry, 't'> {
  const { type } = event
  switch (event.type) {
    case 'logged_out':
      return { type, reason: event.reason, fromOtherTab: event.fromOtherTab }
    case 'session_adopted':
      return { type, from: event.from, waited: event.waited }
    case 'handoff_timeout':
      return { type, waited: event.waited }
    case 'refresh_failed':
      return { type, code: event.error.code, httpStatus: event.error.status, retryIn: event.retryIn }
    case 'storage_unavailable':
    case 'revoke_failed':
      return { type, code: event.error.code }
    case 'refresh_skipped':
      return { type, reason: event.reason }
    case 'session_expiring':
      return { type, reason: event.reason, at: event.at }
    case 'session_restored':
      return { type, from: event.from }
    default:
      return { type }
  }
}

// Registered before the client's own listeners, so a test sees the page's entry first.
window.addEventListener('pageshow', (event) => record({ type: 'pageshow', persisted: event.persisted }))
window.addEventListener('pagehide', (event) => record({ type: 'pagehide', persisted: event.persisted }))

const heldLock = params.get('holdLock')
const lockMode = params.get('lockMode') === 'shared' ? 'shared' : 'exclusive'
if (heldLock) void navigator.locks.request(heldLock, { mode: lockMode }, () => new Promise<void>(() => {}))

// `sessionTimeout` only when a limit is asked for: every other suite runs the client without it.
const timeoutOptions: SessionTimeoutOptions = {}
for (const name of ['idleTimeout', 'maxSessionAge', 'warnBefore'] as const) {
  if (params.has(name)) timeoutOptions[name] = Number(params.get(name))
}
const timeout = Object.keys(timeoutOptions).length > 0 ? sessionTimeout(timeoutOptions) : undefined

const client = createAuthClient({
  refresh: restRefresh({ url: '/auth/refresh', fetch: refreshFetch, headers: { 'x-e2e-tab': tab } }),
  revoke: restRevoke({ url: '/auth/logout', fetch: revokeFetch, headers: { 'x-e2e-tab': tab } }),
  handoffTimeout: Number(params.get('handoffTimeout') ?? 1000),
  ...(params.has('refreshTimeout') ? { refreshTimeout: Number(params.get('refreshTimeout')) } : {}),
  ...(params.get('jitter') === '0' ? { random: () => 0 } : {}),
  ...(params.get('channel') === 'none' ? { channel: null } : {}),
  ...(params.get('locks') === 'none' ? { locks: null } : {}),
  ...(timeout ? { timeout } : {}),
  ...(params.get('restore') === 'cookie' ? { restore: cookieRestore } : {}),
  ...(params.get('dpop') === '1' ? { dpop: dpop() } : {}),
  onEvent: (event) => record(toEntry(event)),
})

client.subscribe(() => {
  const { status, accessToken } = client.getSnapshot()
  if (accessToken !== null && !shown.includes(accessToken)) shown.push(accessToken)
  record({ type: 'state', status, token: accessToken })
})

// `?start=later`: nothing starts the client, as in a route loader that runs before React mounts.
// With the devtools, the client starts once they are mounted.
const clientStartedAt = at()
const devtools = params.get('devtools') === '1'
if (params.get('start') !== 'later' && !devtools) client.start()

function readSessionStorage(): Record<string, string> {
  const all: Record<string, string> = {}
  for (let i = 0; i < sessionStorage.length; i++) {
    const key = sessionStorage.key(i)
    if (key !== null) all[key] = sessionStorage.getItem(key) ?? ''
  }
  return all
}

function storedRefreshToken(): string | null {
  try {
    const stored: unknown = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null')
    const token = typeof stored === 'object' && stored !== null ? (stored as { refreshToken?: unknown }).refreshToken : null
    return typeof token === 'string' ? token : null
  } catch {
    return null
  }
}

/** One request on the DPoP key store, read directly; null when the database does not exist (opening it would create it). */
async function onKeyStore<T>(op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T | null> {
  if (!(await indexedDB.databases()).some((db) => db.name === KEY_DATABASE)) return null
  const db = await settle(indexedDB.open(KEY_DATABASE))
  try {
    return db.objectStoreNames.contains(KEY_STORE) ? await settle(op(db.transaction(KEY_STORE).objectStore(KEY_STORE))) : null
  } finally {
    db.close()
  }
}

function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

function errorCode(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' ? code : String(error)
}

const api: E2eApi = {
  tab,
  timeOrigin: performance.timeOrigin,
  scriptStartedAt,
  clientStartedAt,
  async login(username = 'alice', password = 'alice-password') {
    const response = await client.loginFetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
      credentials: 'include',
    })
    if (!response.ok) throw new Error(`login answered HTTP ${response.status}`)
    const pair = (await response.json()) as { accessToken: string; refreshToken: string }
    keepTokens(pair)
    client.login({ accessToken: pair.accessToken, refreshToken: pair.refreshToken })
    return { accessToken: pair.accessToken, refreshToken: pair.refreshToken }
  },
  async loginCookieMode(username = 'alice', password = 'alice-password') {
    const response = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password, cookieMode: true }),
      credentials: 'include',
    })
    if (!response.ok) throw new Error(`login answered HTTP ${response.status}`)
    const { accessToken } = (await response.json()) as { accessToken: string }
    keepTokens({ accessToken })
    client.login({ accessToken, refreshToken: null })
    return { accessToken }
  },
  async logout() {
    const calledAt = at()
    record({ type: 'logout_called' })
    await client.logout()
    return calledAt
  },
  async refresh() {
    record({ type: 'refresh_called' })
    try {
      const token = await client.refresh()
      record({ type: 'refresh_settled', token })
      return { token, errorCode: null }
    } catch (error) {
      const code = errorCode(error)
      record({ type: 'refresh_settled', code })
      return { token: null, errorCode: code }
    }
  },
  async ready() {
    const { status, accessToken } = await client.ready()
    return { status, accessToken }
  },
  async getAccessToken() {
    try {
      return { token: await client.getAccessToken(), errorCode: null }
    } catch (error) {
      return { token: null, errorCode: errorCode(error) }
    }
  },
  snapshot() {
    const state = client.getSnapshot()
    const { status, accessToken, error, claims } = state
    const { sessionId, ended, expiring } = state
    return {
      tab,
      status,
      accessToken,
      sub: typeof claims?.sub === 'string' ? claims.sub : null,
      sessionId,
      errorCode: error?.code ?? null,
      sessionStorage: readSessionStorage(),
      storedRefreshToken: storedRefreshToken(),
      ended: ended && { reason: ended.reason, fromOtherTab: ended.fromOtherTab },
      expiring: expiring && { reason: expiring.reason, at: expiring.at },
    }
  },
  extend() {
    record({ type: 'extend_called' })
    client.extend()
  },
  log: () => entries.slice(),
  tokens: () => shown.slice(),
  receivedTokens: () => [...received],
  async me() {
    const response = await client.fetch('/api/me')
    const body: unknown = await response.json().catch(() => null)
    return { status: response.status, body }
  },
  async dpopKeyCount() {
    return (await onKeyStore((store) => store.count())) ?? 0
  },
  async storedDpopKey() {
    const named: unknown = JSON.parse(sessionStorage.getItem(`${STORAGE_KEY}:dpop`) ?? 'null')
    const keyId = typeof named === 'object' && named !== null ? (named as { keyId?: unknown }).keyId : undefined
    if (typeof keyId !== 'string') return null
    const keys = await indexedDbKeyStore().get(keyId)
    if (!keys) return null
    const exportError = await crypto.subtle.exportKey('pkcs8', keys.privateKey).then(
      () => null,
      (error: unknown) => (error instanceof Error ? error.name : String(error)),
    )
    return { keyId, jkt: (await toDpopKey(keyId, keys))?.jkt ?? null, extractable: keys.privateKey.extractable, exportError }
  },
  async meWithOwnKey(accessToken) {
    // What a thief can do with a copied token: sign a proof that is valid in every way except
    // that the token was bound to another key.
    const key = (await toDpopKey('thief', await createKeyPair()))!
    const url = new URL('/api/me', location.href).href
    const proof = await signProof(key, { htm: 'GET', url, iat: Math.floor(Date.now() / 1000), accessToken })
    const response = await fetch(url, { headers: { Authorization: `DPoP ${accessToken}`, DPoP: proof } })
    const body: unknown = await response.json().catch(() => null)
    return { status: response.status, body, challenge: response.headers.get('www-authenticate'), jkt: key.jkt }
  },
}
window.e2e = api

if (devtools) {
  void import('../../../src/devtools').then(({ mountAuthDevtools }) => {
    const host = document.createElement('div')
    document.body.append(host)
    const drawn = new Set<string>()
    let holder = ''
    new MutationObserver(() => {
      for (const mark of host.querySelectorAll('.jts-mark')) {
        const key = mark.getAttribute('data-key') ?? ''
        if (drawn.has(key)) continue
        drawn.add(key)
        record({ type: 'devtools_mark', mark: { type: mark.getAttribute('data-type') ?? '', tab: mark.getAttribute('data-tab') ?? '' } })
      }
      const shown = [...host.querySelectorAll('.jts-tabs li[data-lock]')].map((li) => li.getAttribute('data-tab')).join(',')
      if (shown === holder) return
      holder = shown
      record({ type: 'devtools_lock', mark: { type: 'lock', tab: shown } })
    }).observe(host, { subtree: true, childList: true })
    mountAuthDevtools(client, host, { name: tab, initialIsOpen: true, faults: { url: '/auth/refresh', api: '/api/me' } })
    if (params.get('start') !== 'later') client.start()
  })
}
