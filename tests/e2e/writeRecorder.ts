// Records every value a page writes where tokens must never go. Installed with
// context.addInitScript; reports to Node through the `__e2eRecordWrite` binding.

/** A value some page wrote where tokens must never go (or to sessionStorage, as a control). */
export interface RecordedWrite {
  kind: 'localStorage' | 'sessionStorage' | 'cookie' | 'indexedDB' | 'sweep'
  value: string
}

export const RECORDER_BINDING = '__e2eRecordWrite'

/**
 * Runs in every page before its scripts: records every value written to localStorage,
 * sessionStorage (the control: tokens belong there), `document.cookie` and IndexedDB.
 * Serialised by Playwright, so it must not reach anything outside itself (hence the binding's
 * name spelled out rather than RECORDER_BINDING).
 */
export function installWriteRecorder(): void {
  const report = (kind: string, value: string) => {
    const binding = (window as unknown as { __e2eRecordWrite?: (kind: string, value: string) => Promise<void> }).__e2eRecordWrite
    binding?.(kind, value).catch(() => {})
  }
  const text = (value: unknown) => {
    try {
      return typeof value === 'string' ? value : JSON.stringify(value)
    } catch {
      return String(value)
    }
  }

  const setItem = Storage.prototype.setItem
  Storage.prototype.setItem = function (this: Storage, key: string, value: string) {
    report(this === window.localStorage ? 'localStorage' : 'sessionStorage', `${key}=${value}`)
    return setItem.call(this, key, value)
  }

  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')
  if (cookie?.get && cookie.set) {
    const { get, set } = cookie
    Object.defineProperty(Document.prototype, 'cookie', {
      configurable: true,
      enumerable: cookie.enumerable,
      get(this: Document) {
        return get.call(this)
      },
      set(this: Document, value: string) {
        report('cookie', String(value))
        set.call(this, value)
      },
    })
  }

  for (const method of ['put', 'add'] as const) {
    const original = IDBObjectStore.prototype[method]
    IDBObjectStore.prototype[method] = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      report('indexedDB', `${this.name} ${text(key)} ${text(value)}`)
      return original.call(this, value, key)
    }
  }
}
