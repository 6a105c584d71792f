import { parseStoredSession, toStored, type JwtClaims, type Session } from './tokens'

/** The subset of the Web Storage API the client uses; pass any object with these methods. */
export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/**
 * Keeps the session under one key of sessionStorage (or the storage given). When the storage
 * throws — quota, a sandboxed iframe, disabled storage — the session moves to memory for the life
 * of this tab; it never falls back to localStorage, which every tab and every script can read.
 */
export function createSessionStore<TClaims extends JwtClaims>(
  key: string,
  storage: () => StorageLike | null | undefined,
  onUnavailable: () => void,
) {
  // undefined: not looked up yet; null: memory only (none given, or it threw).
  let target: StorageLike | null | undefined
  let memory: string | null = null

  /** Runs `op` on the storage; on any throw, moves to memory for good (and says so once). */
  function attempt<T>(op: (storage: StorageLike) => T, fallback: T): T {
    try {
      // Merely touching `window.sessionStorage` throws SecurityError where storage is blocked.
      if (target === undefined) target = storage() ?? null
      if (target) return op(target)
    } catch {
      const failed = target
      target = null
      onUnavailable()
      // Leave no older session behind in the storage we are leaving.
      try {
        failed?.removeItem(key)
      } catch {
        // Nothing more can be done; memory now holds the truth.
      }
    }
    return fallback
  }

  function set(value: string | null): void {
    memory = value
    attempt((s) => (value === null ? s.removeItem(key) : s.setItem(key, value)), undefined)
  }

  return {
    /** The stored session; null when there is none or it is unreadable (then it is removed). */
    read(): Session<TClaims> | null {
      const raw = attempt((s) => s.getItem(key), memory)
      if (raw === null) return null
      let session: Session<TClaims> | null = null
      try {
        session = parseStoredSession<TClaims>(JSON.parse(raw))
      } catch {
        // not JSON: cleared below like any other unreadable value
      }
      if (!session) set(null)
      return session
    },
    write(session: Session<TClaims>): void {
      set(JSON.stringify(toStored(session)))
    },
    clear(): void {
      set(null)
    },
  }
}

export function defaultStorage(): StorageLike | null {
  return typeof sessionStorage === 'undefined' ? null : sessionStorage
}

export type SessionStore<TClaims extends JwtClaims> = ReturnType<typeof createSessionStore<TClaims>>
