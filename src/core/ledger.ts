import { isNewer, newest, nextLogin, type SessionKey } from './tokens'

/**
 * What this tab knows of every session the tabs have had, and the rules that follow from it:
 * the newest session heard of (a login here is numbered past it), and the newest that ended
 * (nothing of that login, nor anything older, may come back).
 */
export function createLedger() {
  let known: SessionKey | null = null
  let lastEnded: SessionKey | null = null

  /** The end this tab saw of `key`'s login, if it saw that login end. */
  const endOf = (key: SessionKey): SessionKey | null => (lastEnded?.family === key.family ? lastEnded : null)

  return {
    get lastEnded(): SessionKey | null {
      return lastEnded
    },
    saw(key: SessionKey): void {
      known = newest(known, key)
    },
    ended(key: SessionKey): void {
      known = newest(known, key)
      lastEnded = newest(lastEnded, key)
    },
    /** The key of a login made here now. */
    nextLogin(family: string): (since: number) => SessionKey {
      return nextLogin(known, family)
    },
    endOf,
    /** Whether `next`, offered by another tab, may replace `current`: newer, and not of an ended login. */
    accepts(next: SessionKey, current: SessionKey | null): boolean {
      known = newest(known, next)
      if (lastEnded && (endOf(next) || !isNewer(next, lastEnded))) return false
      return !current || isNewer(next, current)
    },
    /**
     * Whether the end of `ended` elsewhere ends `current` too: the same login, or an older one (a
     * logout wins over what it had not heard of). Unnamed (`null`), it ends whatever is held; a
     * newer login here outlives it.
     */
    endsCurrent(ended: SessionKey | null, current: SessionKey): boolean {
      return !ended || ended.family === current.family || isNewer(ended, current)
    },
  }
}

export type Ledger = ReturnType<typeof createLedger>
