/**
 * Where DPoP keys outlive a reload. sessionStorage holds strings only, and a non-extractable
 * `CryptoKey` cannot become one; IndexedDB stores the `CryptoKey` itself (structured clone), still
 * non-extractable. Only key pairs go here, never a token.
 */
export interface DpopKeyStore {
  get(id: string): Promise<CryptoKeyPair | undefined>
  /** Stores the pair, or stamps it again: `usedAt` (ms) is when its session last used it. */
  put(id: string, keys: CryptoKeyPair, usedAt: number): Promise<void>
  delete(id: string): Promise<void>
  /**
   * Deletes every pair not used since `before` (ms): the keys of sessions whose tabs were closed
   * without a logout, and of sign-in pages left before signing in. No tab is left to delete them.
   */
  prune(before: number): Promise<void>
}

interface KeyRecord {
  keys: CryptoKeyPair
  usedAt: number
}

const DATABASE = 'jwt-session-dpop'
const STORE = 'keys'

/** The default key store: one IndexedDB database of the origin, `jwt-session-dpop`. */
export function indexedDbKeyStore(): DpopKeyStore {
  let opened: Promise<IDBDatabase> | null = null

  function open(): Promise<IDBDatabase> {
    opened ??= settle(
      (() => {
        const request = indexedDB.open(DATABASE, 1)
        request.onupgradeneeded = () => request.result.createObjectStore(STORE)
        return request
      })(),
    )
    // A failed open (private mode, blocked storage) is tried again on the next use.
    opened.catch(() => (opened = null))
    return opened
  }

  async function run<T>(mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const transaction = (await open()).transaction(STORE, mode)
    const committed = completion(transaction)
    committed.catch(() => {}) // when the request fails, that failure is the one reported
    const result = await settle(op(transaction.objectStore(STORE)))
    await committed
    return result
  }

  return {
    get: (id) => run('readonly', (store) => store.get(id) as IDBRequest<KeyRecord | undefined>).then((record) => record?.keys),
    put: (id, keys, usedAt) => run('readwrite', (store) => store.put({ keys, usedAt } satisfies KeyRecord, id)).then(() => {}),
    delete: (id) => run('readwrite', (store) => store.delete(id)),
    async prune(before) {
      const transaction = (await open()).transaction(STORE, 'readwrite')
      const cursor = transaction.objectStore(STORE).openCursor()
      cursor.onsuccess = () => {
        const at = cursor.result
        if (!at) return
        if (!((at.value as Partial<KeyRecord>).usedAt! >= before)) at.delete()
        at.continue()
      }
      await completion(transaction)
    },
  }
}

/** Settles once the transaction is committed: a write counts then, not when it was accepted. */
function completion(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve()
    transaction.onerror = transaction.onabort = () => reject(transaction.error)
  })
}

function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}
