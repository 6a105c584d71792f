// The stored session as end-to-end tests handle it: one sessionStorage entry, built and read with
// the client's own code (tokens.ts), and the script that writes it into a tab once. Free of any
// test runner, so Playwright helpers and a Cypress command can share it.
import { createSession, DEFAULT_STORAGE_KEY, nextLogin, parseStoredSession, toStored, type Session, type TokenPair } from '../core/tokens'

export { DEFAULT_STORAGE_KEY }

/** One session as it sits in a tab's sessionStorage: what `seedSession` writes and `captureSession` reads. */
export interface SessionEntry {
  /** The sessionStorage key: the client's `storageKey` option (default `jwt-session`). */
  storageKey: string
  /** The exact string under that key: the stored session as JSON (docs/testing.md, "The stored session"). */
  value: string
  /**
   * The origin whose sessionStorage holds it. Null from `createSessionEntry` without `origin`:
   * `restoreSession` then takes the context's `baseURL`, and refuses an entry with neither.
   */
  origin: string | null
  /** When the access token expires, in ms on the clock of the machine that built or captured it. */
  expiresAt: number
}

export interface SessionEntryOptions {
  /** The client's `storageKey` option. Default `jwt-session`. */
  storageKey?: string
  /**
   * The app's origin (`https://app.example.test`; a URL's path is ignored): the only one that gets
   * the tokens, never another a tab visits. `seedSession` takes Playwright's `baseURL` without it.
   */
  origin?: string
}

/**
 * The entry a signed-in tab would hold right after `client.login(tokens)`: a new login (its own
 * family, numbered 1) built by the client's code, so the format lives in one place. Throws the
 * client's `invalid_token` AuthError for a token the client would refuse (not a JWT, expired).
 */
export function createSessionEntry(tokens: TokenPair, options: SessionEntryOptions = {}): SessionEntry {
  const session = createSession(tokens, Date.now(), nextLogin(null, randomId('e2e')))
  return {
    storageKey: options.storageKey ?? DEFAULT_STORAGE_KEY,
    value: JSON.stringify(toStored(session)),
    origin: options.origin === undefined ? null : httpOrigin(options.origin),
    expiresAt: session.expiresAt,
  }
}

/** The origin of an http(s) URL; a TypeError naming the value for anything else (a typo, about:blank). */
export function httpOrigin(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new TypeError(`The origin to seed must be an http(s) origin such as "http://localhost:3000", not ${JSON.stringify(value)}.`)
  }
  return url.origin
}

/** Checks a value read from a tab the way the client would; throws unless the client would restore it. */
export function readSessionEntry(storageKey: string, origin: string, value: string | null): SessionEntry {
  let session: Session | null = null
  try {
    session = value === null ? null : parseStoredSession(JSON.parse(value))
  } catch {
    // not JSON: reported below
  }
  if (!session || value === null) {
    throw new Error(
      `No usable session under sessionStorage "${storageKey}" on ${origin}. Capture after the app shows the user signed in, with the storageKey the app's client uses.`,
    )
  }
  return { storageKey, value, origin, expiresAt: session.expiresAt }
}

/** What the init script gets: the entry, and an id naming this one seed among others. */
export interface SeedScriptArg {
  key: string
  value: string
  origin: string
  seed: string
}

/**
 * Runs in the tab before the app's scripts, on every load: writes the entry the first time only,
 * so a reload after the session rotated or ended keeps what the app stored since. The seeds a tab
 * has had are listed under `${key}:seeded`; several seeds apply in order, the last one wins.
 * Only a top-level http(s) document of `origin`: never another origin a tab visits, never a frame
 * (another origin's must never get tokens; one of the app's shares the tab's storage and reads the
 * entry the top wrote), never about:blank (which may inherit the app's origin from its opener).
 * Serialised into the page: it must not reach anything outside itself.
 */
export function writeSeedOnce({ key, value, origin, seed }: SeedScriptArg): void {
  try {
    const web = location.protocol === 'http:' || location.protocol === 'https:'
    if (window.top !== window || !web || location.origin !== origin) return
    const marker = `${key}:seeded`
    const seen: unknown = JSON.parse(sessionStorage.getItem(marker) ?? '[]')
    const seeds = Array.isArray(seen) ? seen : []
    if (seeds.includes(seed)) return
    sessionStorage.setItem(key, value)
    sessionStorage.setItem(marker, JSON.stringify([...seeds, seed]))
  } catch {
    // Storage blocked on this document: there is nothing to seed, and the page must still load.
  }
}

/** The init script's source: `writeSeedOnce` called with `entry` for `origin`, under a seed id of its own. */
export function seedScript(entry: SessionEntry, origin: string): string {
  const arg: SeedScriptArg = { key: entry.storageKey, value: entry.value, origin, seed: randomId('seed') }
  return `(${writeSeedOnce.toString()})(${JSON.stringify(arg)});`
}

/** A login's family id (the client's `sessionId`) or a seed's: unique enough to tell apart, not a secret. */
const randomId = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`
