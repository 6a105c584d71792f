import { afterAll, afterEach, beforeAll } from 'vitest'

/**
 * Something a suite starts once (a browser, a server): registered in the current `describe` when
 * called inside one, started in `beforeAll`, tidied after each test, closed in `afterAll`. Returns
 * a getter, not the thing: it exists only once `beforeAll` has run, so tests and their helpers
 * call it. `name` names the caller in the error of a getter called too early.
 */
export function perSuite<T extends { close(): Promise<void> }>(
  name: string,
  start: () => Promise<T>,
  afterEachTest: (started: T) => Promise<void>,
): () => T {
  let started: T | undefined
  beforeAll(async () => {
    started = await start()
  })
  afterEach(async () => {
    if (started) await afterEachTest(started)
  })
  afterAll(async () => {
    await started?.close()
  })
  return () => {
    if (!started) throw new Error(`${name}(): started in beforeAll; call it from a test or a hook`)
    return started
  }
}
