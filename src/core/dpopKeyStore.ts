/**
 * Where DPoP keys outlive a reload. sessionStorage holds strings only, and a non-extractable
 * `CryptoKey` cannot become one; IndexedDB stores the `CryptoKey` itself (structured clone), still
 * non-extractable. Only key pairs go here, never a token.
 */
export interface DpopKeyStore {
  get(id: string): Promise<CryptoKeyPair | undefined>
  put(id: string, keys: CryptoKeyPair): Promise<void>
  delete(id: string): Promise<void>
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
    // A write counts once it is committed, not merely accepted.
    const committed = new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve()
      transaction.onerror = transaction.onabort = () => reject(transaction.error)
    })
    committed.catch(() => {}) // when the request fails, that failure is the one reported
    const result = await settle(op(transaction.objectStore(STORE)))
    await committed
    return result
  }

  return {
    get: (id) => run('readonly', (store) => store.get(id) as IDBRequest<CryptoKeyPair | undefined>),
    put: (id, keys) => run('readwrite', (store) => store.put(keys, id)).then(() => {}),
    delete: (id) => run('readwrite', (store) => store.delete(id)),
  }
}

function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}
