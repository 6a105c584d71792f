// `react-jwt-session/testing/playwright`: sessions for Playwright tests. Playwright's
// `storageState` saves cookies and localStorage, never sessionStorage, where the client keeps its
// session; these helpers write that entry into each tab before the app loads instead. Structural
// types only, so nothing of Playwright is imported and `@playwright/test`, `playwright` and
// `playwright-core` objects all fit.
import {
  createSessionEntry,
  DEFAULT_STORAGE_KEY,
  readSessionEntry,
  seedScript,
  type SessionEntry,
  type SessionEntryOptions,
} from './sessionEntry'
import type { TokenPair } from '../core/tokens'

export { createSessionEntry, type SessionEntry, type SessionEntryOptions } from './sessionEntry'

/** What seeding uses of a Playwright `BrowserContext` (every tab it opens) or `Page` (that tab). */
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
 * ended keeps what the app stored since. Call before the first `goto`; pass `origin` when tabs
 * visit more than one origin (an identity provider, another app), so only the app's gets tokens.
 */
export async function seedSession(target: InitScriptTarget, tokens: TokenPair, options: SessionEntryOptions = {}): Promise<SessionEntry> {
  const entry = createSessionEntry(tokens, options)
  await restoreSession(target, entry)
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

/** Writes a captured (or seeded) entry into each tab of `target` before the app loads, once per tab, on its origin only. */
export async function restoreSession(target: InitScriptTarget, entry: SessionEntry): Promise<void> {
  await target.addInitScript({ content: seedScript(entry) })
}
