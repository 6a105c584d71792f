// The check behind "tokens live in sessionStorage only": every write the init-script recorder saw
// (and every value the closing sweep found) is searched for every token seen during the run. The
// e2e suites (Chromium) and the engines suite (Chromium, Firefox, WebKit) share it.
import { expect } from 'vitest'
import type { Harness } from './harness'
import { waitUntil } from './waits'
import type { RecordedWrite } from './writeRecorder'

const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/

/** What `writeProbes` writes, by the recorder's kind: seeing all three proves the recorder live. */
const PROBES: [RecordedWrite['kind'], string][] = [
  ['localStorage', 'probe-local'],
  ['cookie', 'probe-cookie'],
  ['indexedDB', 'probe-idb'],
]

/** Runs in a page (passed to `evaluate`, so self-contained): a harmless probe through each recorded API. */
export function writeProbes(): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    localStorage.setItem('e2e-probe', 'probe-local')
    document.cookie = 'e2e-probe=probe-cookie; path=/'
    const open = indexedDB.open('e2e-probe', 1)
    open.onupgradeneeded = () => open.result.createObjectStore('probe')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const tx = open.result.transaction('probe', 'readwrite')
      tx.objectStore('probe').put('probe-idb', 'key')
      tx.oncomplete = () => (open.result.close(), resolve())
    }
  })
}

/** Whether the recorder saw every probe `writeProbes` wrote. */
export const sawProbes = (writes: RecordedWrite[]) =>
  PROBES.every(([kind, text]) => writes.some((w) => w.kind === kind && w.value.includes(text)))

/** Asserts that no token of `tokens` (nor anything shaped like a JWT) was written outside sessionStorage, and that some went there. */
export function expectTokensOnlyInSessionStorage(writes: RecordedWrite[], tokens: Iterable<string>): void {
  const all = [...tokens]
  const leaks = writes.filter((w) => w.kind !== 'sessionStorage' && (JWT.test(w.value) || all.some((token) => w.value.includes(token))))
  expect(leaks).toEqual([])
  // The control: the same recorder saw the tokens go where they belong.
  expect(all.length).toBeGreaterThan(0)
  expect(all.filter((token) => writes.some((w) => w.kind === 'sessionStorage' && w.value.includes(token)))).not.toEqual([])
}

/** Asserts that no token of the run reached localStorage, document.cookie or IndexedDB. */
export async function expectNoTokenLeaks(h: Harness): Promise<void> {
  const context = await h.newContext()
  const page = await h.openTab(context, 'probe')
  await page.evaluate(writeProbes)
  await waitUntil(() => sawProbes(h.writes), 'the recorder has seen the three probes')
  await h.closeContext(context)
  expectTokensOnlyInSessionStorage(h.writes, h.tokens)
}
