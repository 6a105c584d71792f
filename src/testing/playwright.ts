// `jwt-tab-session/testing/playwright`: sessions for Playwright tests. Playwright's
// `storageState` saves cookies and localStorage, never sessionStorage, where the client keeps its
// session; these helpers write that entry into each tab before the app loads instead. Structural
// types only, so nothing of Playwright is imported and `@playwright/test`, `playwright` and
// `playwright-core` objects all fit.
import {
  createSessionEntry,
  DEFAULT_STORAGE_KEY,
  httpOrigin,
  readSessionEntry,
  seedScript,
  type SessionEntry,
  type SessionEntryOptions,
} from './sessionEntry'
import type { TokenPair } from '../core/tokens'

export { createSessionEntry, type SessionEntry, type SessionEntryOptions } from './sessionEntry'

/**
 * What seeding uses of a Playwright `BrowserContext` (every tab it opens) or `Page` (that tab).
 * Without an `origin`, seeding also reads the context's `baseURL` (see `contextBaseURL`).
 */
export interface InitScriptTarget {
  addInitScript(script: { content: string }): Promise<unknown>
}

/** What capturing uses of a Playwright `Page`. */
export interface EvaluateTarget {
  evaluate(expression: string): Promise<unknown>
}

/**
 * Signs the tabs of `target` in with `tokens` (a login response's pair) before the app loads: each
 * tab gets the stored session a login would leave, once. A reload after the session rotated or
 * ended keeps what the app stored since. Call before the first `goto`. Only the app's origin gets
 * the tokens, never another a tab visits (an identity provider, a payment page): `origin`, or else
 * the context's `baseURL`; with neither it throws a TypeError and seeds nothing.
 */
export async function seedSession(target: InitScriptTarget, tokens: TokenPair, options: SessionEntryOptions = {}): Promise<SessionEntry> {
  const origin = seedOrigin('seedSession', target, options.origin)
  const entry = createSessionEntry(tokens, { ...options, origin })
  await target.addInitScript({ content: seedScript(entry, origin) })
  return entry
}

/**
 * The session a signed-in tab holds, checked the way the client checks it: for `restoreSession`
 * in another context (a log-in-once-per-worker fixture). Throws when there is none to restore.
 */
export async function captureSession(page: EvaluateTarget, options: Pick<SessionEntryOptions, 'storageKey'> = {}): Promise<SessionEntry> {
  const storageKey = options.storageKey ?? DEFAULT_STORAGE_KEY
  const read = (await page.evaluate(`({ origin: location.origin, value: sessionStorage.getItem(${JSON.stringify(storageKey)}) })`)) as {
    origin: string
    value: string | null
  }
  return readSessionEntry(storageKey, read.origin, read.value)
}

/**
 * Writes a captured (or seeded) entry into each tab of `target` before the app loads, once per
 * tab, on its origin only: the entry's, or else the context's `baseURL` (a TypeError with neither).
 */
export async function restoreSession(target: InitScriptTarget, entry: SessionEntry): Promise<void> {
  const origin = seedOrigin('restoreSession', target, entry.origin ?? undefined)
  await target.addInitScript({ content: seedScript(entry, origin) })
}

/** The one origin to seed: the one given, else the context's `baseURL`; never "any origin". */
function seedOrigin(caller: string, target: InitScriptTarget, given: string | undefined): string {
  const origin = given ?? contextBaseURL(target)
  if (origin === undefined) {
    const where = caller === 'seedSession' ? 'pass { origin }' : 'build the entry with createSessionEntry(tokens, { origin })'
    throw new TypeError(
      `${caller}: ${where} (the app's origin, such as "http://localhost:3000"), or give the context a baseURL. ` +
        'Without one the tokens would be written on every origin a tab visits.',
    )
  }
  return httpOrigin(origin)
}

/**
 * The `baseURL` option of the target's context (a page's, or the context itself). Playwright
 * keeps a context's options on the object (`_options`), outside its typed API, so this reads
 * them defensively: a Playwright that keeps them elsewhere gets the TypeError asking for
 * `origin`, never a seed on every origin.
 */
function contextBaseURL(target: InitScriptTarget): string | undefined {
  const page = target as { context?: unknown }
  const context: unknown = typeof page.context === 'function' ? (page.context as () => unknown).call(target) : target
  const options: unknown = typeof context === 'object' && context !== null ? (context as { _options?: unknown })._options : undefined
  const baseURL: unknown = typeof options === 'object' && options !== null ? (options as { baseURL?: unknown }).baseURL : undefined
  return typeof baseURL === 'string' ? baseURL : undefined
}
