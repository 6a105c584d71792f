// The check behind "tokens live in sessionStorage only": every write the init-script recorder saw
// (and every value the closing sweep found) is searched for every token seen during the run.
import { expect } from 'vitest'
import type { Harness, RecordedWrite } from './harness'
import { waitUntil } from './harness'

const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/

/** Writes a harmless probe through each recorded API, proving the recorder is live in this run. */
export async function probeRecorder(h: Harness): Promise<void> {
  const context = await h.newContext()
  const page = await h.openTab(context, 'probe')
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
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
      }),
  )
  const seen = (kind: RecordedWrite['kind'], text: string) => h.writes.some((w) => w.kind === kind && w.value.includes(text))
  await waitUntil(
    () => seen('localStorage', 'probe-local') && seen('cookie', 'probe-cookie') && seen('indexedDB', 'probe-idb'),
    'the recorder has seen the three probes',
  )
  await h.closeContext(context)
}

/** Asserts that no token of the run reached localStorage, document.cookie or IndexedDB. */
export async function expectNoTokenLeaks(h: Harness): Promise<void> {
  await probeRecorder(h)
  const tokens = [...h.tokens]
  const outside = h.writes.filter((w) => w.kind !== 'sessionStorage')
  const leaks = outside.filter((w) => JWT.test(w.value) || tokens.some((token) => w.value.includes(token)))
  expect(leaks).toEqual([])
  // The control: the same recorder saw the tokens go where they belong.
  const inSessionStorage = new Set(tokens.filter((token) => h.writes.some((w) => w.kind === 'sessionStorage' && w.value.includes(token))))
  expect(inSessionStorage.size).toBeGreaterThan(0)
  expect(tokens.length).toBeGreaterThan(0)
}
