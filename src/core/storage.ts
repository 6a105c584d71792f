import { parseStoredSession, toStored, type JwtClaims, type Session } from './tokens'

/** The subset of the Web Storage API the client uses; pass any object with these methods. */
export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

export interface SessionStore<TClaims extends JwtClaims> {
  /** The stored session; null when there is none or it is unreadable (then it is removed). */
  read(): Session<TClaims> | null
  write(session: Session<TClaims>): void
  clear(): void
}

/**
 * Keeps the session under one key of sessionStorage (or the storage given). When the storage
 * throws — quota, a sandboxed iframe, disabled storage — the session moves to memory for the life
 * of this tab; it never falls back to localStorage, which every tab and every script can read.
 */
export function createSessionStore<TClaims extends JwtClaims>(options: {
  key: string
  storage: (() => StorageLike | null | undefined) | StorageLike | null | undefined
  onUnavailable: (error: unknown) => void
}): SessionStore<TClaims> {
  let backend: StorageLike | null | undefined
  let memory: string | null = null
  let inMemory = false

  function storage(): StorageLike | null {
    if (backend === undefined) {
      try {
        backend = typeof options.storage === 'function' ? (options.storage() ?? null) : (options.storage ?? null)
      } catch (error) {
        // Merely touching `window.sessionStorage` throws SecurityError where storage is blocked.
        backend = null
        fallBack(error)
      }
      if (backend === null) inMemory = true
    }
    return inMemory ? null : backend
  }

  function fallBack(error: unknown): void {
    if (inMemory) return
    inMemory = true
    options.onUnavailable(error)
  }

  function get(): string | null {
    const target = storage()
    if (!target) return memory
    try {
      return target.getItem(options.key)
    } catch (error) {
      fallBack(error)
      return memory
    }
  }

  function set(value: string | null): void {
    memory = value
    const target = storage()
    if (!target) return
    try {
      if (value === null) target.removeItem(options.key)
      else target.setItem(options.key, value)
    } catch (error) {
      fallBack(error)
      // Do not leave an older session behind in the storage we are leaving.
      try {
        target.removeItem(options.key)
      } catch {
        // Nothing more can be done; memory now holds the truth.
      }
    }
  }

  return {
    read() {
      const raw = get()
      if (raw === null) return null
      let session: Session<TClaims> | null = null
      try {
        session = parseStoredSession<TClaims>(JSON.parse(raw))
      } catch {
        session = null
      }
      if (session === null) set(null)
      return session
    },
    write(session) {
      set(JSON.stringify(toStored(session)))
    },
    clear() {
      set(null)
    },
  }
}

export function defaultStorage(): StorageLike | null {
  return typeof sessionStorage === 'undefined' ? null : sessionStorage
}
