// Sender-constrained tokens (DPoP, RFC 9449): one non-extractable key pair per session, made for
// the login request and bound by the server to the session's tokens (`cnf.jkt`); every request
// with the access token, and every refresh and revoke, carries a proof signed with it. A token
// copied out of the tab is useless without the key, which never leaves the browser. The key's
// handover to the session's other tabs is in dpopShare.ts.
import { indexedDbKeyStore, type DpopKeyStore } from './dpopKeyStore'
import { createProofSender } from './dpopFetch'
import { createKeyPair, toDpopKey, type DpopKey } from './dpopProof'
import { createKeyShare, isKeyId } from './dpopShare'
import { AuthError } from '../core/errors'
import type { AuthPart, SessionView } from '../core/part'
import { decodeClaims, type JwtClaims } from '../core/tokens'
import type { DpopSigner } from '../core/types'

/** What `createAuthClient({ dpop })` takes: made by `dpop()`. */
export type Dpop = AuthPart

export interface DpopOptions {
  /** Where keys outlive a reload. Default: IndexedDB (`jwt-session-dpop`). */
  keyStore?: DpopKeyStore
  /**
   * A key no session used (signed in, rotated) for this long, in ms, is deleted at the next
   * sign-in in this browser: the key of a tab closed without a logout. Default 30 days; keep it
   * longer than the server's refresh-token lifetime.
   */
  keepUnusedKeys?: number
}

/** The `cnf.jkt` claim: the thumbprint of the key a DPoP-bound token belongs to. */
const boundTo = (claims: JwtClaims): string | undefined => {
  const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt
  return typeof jkt === 'string' ? jkt : undefined
}

const unavailable = (message: string, cause?: unknown) => new AuthError('dpop_unavailable', message, { cause })
const noop = () => {}

/**
 * DPoP for `createAuthClient({ dpop: dpop() })`. The key pair is made for the login request
 * (`auth.loginFetch`), kept for the whole session (refreshes keep it), handed to new tabs with
 * the session over their channel (a `CryptoKey` is structured-cloneable), kept across a reload
 * in IndexedDB under a random id that sessionStorage names, and deleted in every tab when the
 * session ends. No token ever goes to IndexedDB. Without Web Crypto or IndexedDB (a private
 * window that blocks it), `loginFetch` throws `dpop_unavailable` before sending anything: DPoP
 * mode never falls back to unbound tokens. An app that does not import it carries none of it.
 */
export function dpop({ keyStore, keepUnusedKeys = 30 * 24 * 3600_000 }: DpopOptions = {}): Dpop {
  return ({ env, session }) => {
    const store = keyStore ?? indexedDbKeyStore()
    const boundKey = `${env.storageKey}:dpop`
    const pendingKey = `${env.storageKey}:dpop:pending`
    const sender = createProofSender(env.now)
    /** The key made for the next login, once its request was signed. */
    let pending: Promise<DpopKey> | null = null
    let pendingReady: DpopKey | null = null
    /** The key of the session this tab holds; `failed` when it could not be found (asked again on use). */
    let bound: { sessionId: string; key: Promise<DpopKey>; failed: boolean } | null = null
    const keyShare = createKeyShare(env, (sessionId) => (bound?.sessionId === sessionId ? bound.key : null))

    function read(name: string): { sessionId: string | null; keyId: string } | null {
      try {
        const value = JSON.parse(env.storage()?.getItem(name) ?? 'null') as { sessionId?: unknown; keyId?: unknown } | null
        const { sessionId = null, keyId } = value ?? {}
        return isKeyId(keyId) && (sessionId === null || typeof sessionId === 'string') ? { sessionId, keyId } : null
      } catch {
        return null
      }
    }

    function write(name: string, value: { sessionId: string | null; keyId: string } | null): void {
      try {
        const storage = env.storage()
        if (value) storage?.setItem(name, JSON.stringify(value))
        else storage?.removeItem(name)
      } catch {
        // Storage that throws only costs the key after a reload.
      }
    }

    const load = (id: string): Promise<DpopKey | null> =>
      store.get(id).then(
        (keys) => (keys ? toDpopKey(id, keys) : null),
        () => null,
      )

    /** The login request's key: this tab's earlier one (a reloaded sign-in page), or a new one, stored first. */
    async function makeKey(): Promise<DpopKey> {
      const earlier = read(pendingKey)
      const reused = earlier && (await load(earlier.keyId))
      if (reused) return reused
      // Keys that tabs closed without a logout left behind: no tab is left to delete them.
      void store.prune(env.now() - keepUnusedKeys).catch(noop)
      try {
        const key = (await toDpopKey(crypto.randomUUID(), await createKeyPair()))!
        await store.put(key.id, key.keys, env.now())
        write(pendingKey, { sessionId: null, keyId: key.id })
        return key
      } catch (cause) {
        throw unavailable(
          'DPoP needs Web Crypto (https or localhost) and IndexedDB to hold its key; one is unavailable here (a private window?).',
          cause,
        )
      }
    }

    /** Where the session's key is: this tab's storage (a reload), else another tab (`keyShare.receive`). */
    async function find(sessionId: string, claims: JwtClaims): Promise<DpopKey> {
      const jkt = boundTo(claims)
      if (!jkt) throw new AuthError('invalid_token', 'Access token is not bound to a DPoP key (no cnf.jkt).')
      const named = read(boundKey)
      const fromOtherTabs = keyShare.receive(sessionId, jkt)
      const stored = named?.sessionId === sessionId ? await load(named.keyId) : null
      const key = stored?.jkt === jkt ? stored : await fromOtherTabs()
      if (bound?.sessionId === sessionId) write(boundKey, { sessionId, keyId: key.id })
      return key
    }

    /** The key of the session held now: found on use before start (a route loader's request), or again after a failure. */
    function currentKey(): Promise<DpopKey> {
      check()
      const current = session()
      if (!bound || !current) return Promise.reject(new AuthError('unauthenticated', 'No session to sign for.'))
      if (bound.failed) follow(current)
      return bound.key
    }

    /** The session may have changed: find its key (storage, another tab), or delete the ended session's key. */
    function check(): void {
      const current = session()
      if (bound?.sessionId === current?.sessionId) return
      retire()
      if (current) follow(current)
    }

    function follow(current: SessionView): void {
      const entry = { sessionId: current.sessionId, key: find(current.sessionId, current.claims), failed: false }
      entry.key.catch(() => (entry.failed = true))
      bound = entry
    }

    /** Marks the session's key as in use, so `keepUnusedKeys` does not prune it (unless its session ended meanwhile). */
    function stamp(key: DpopKey, of: Promise<DpopKey>): void {
      if (bound?.key === of) void store.put(key.id, key.keys, env.now()).catch(noop)
    }

    /** The ended session's key leaves this tab and the key store. */
    function retire(): void {
      if (!bound) return
      const ended = bound.key
      bound = null
      write(boundKey, null)
      void ended.then((key) => store.delete(key.id)).catch(noop)
    }

    /** Signs with `key`; proofs date themselves by the session's skew until a server tells its own clock. */
    function signWith(key: Promise<DpopKey>, skew = session()?.skew ?? 0): DpopSigner {
      key.catch(noop) // reported by the request that needs it
      return (base) => sender.signedFetch(base, key, skew)
    }

    return {
      loginFetch: (base) => async (input, init) => {
        pending ??= makeKey().then(
          (key) => (pendingReady = key),
          (error: unknown) => {
            pending = null
            throw error
          },
        )
        return signWith(pending, 0)(base)(input, init)
      },
      bind(sessionId, claims) {
        const key = pendingReady
        if (!key)
          throw unavailable('In DPoP mode the login request must be sent with auth.loginFetch(): its proof names the session’s key.')
        if (boundTo(claims) !== key.jkt)
          throw new AuthError('invalid_token', 'Access token is not bound to the key that signed the login (cnf.jkt).')
        retire()
        pending = pendingReady = null
        bound = { sessionId, key: Promise.resolve(key), failed: false }
        write(pendingKey, null)
        write(boundKey, { sessionId, keyId: key.id })
        stamp(key, bound.key)
        keyShare.offer(sessionId, key)
      },
      onSession: check,
      signer: () => signWith(currentKey()),
      wrapRefresh: (inner) => async (context) => {
        const key = currentKey()
        const pair = await inner({ ...context, dpop: signWith(key) })
        const used = await key
        // A pair bound to another key (or to none) would fail every request: the answer is unusable.
        if (boundTo(decodeClaims(pair.accessToken)) !== used.jkt) {
          throw new AuthError('invalid_token', 'The refreshed access token is not bound to the session’s DPoP key (cnf.jkt).')
        }
        stamp(used, key)
        return pair
      },
      async proofHeaders(token, request) {
        if (!request) throw new TypeError('With dpop, getAuthHeaders({ method, url }) needs the request: its proof names them.')
        const { method, url, dpopNonce } = request
        const target = new URL(url, typeof location === 'undefined' ? undefined : location.href)
        return sender.proofHeaders(await currentKey(), session()?.skew ?? 0, token, method, target, dpopNonce)
      },
      start: keyShare.start,
      stop: keyShare.stop,
    }
  }
}
