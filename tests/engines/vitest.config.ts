import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The cross-tab core in Chromium, Firefox and WebKit (`npm run test:engines`; `ENGINES=firefox`
// runs one engine). One file at a time, the engines one after another: each launches a browser,
// and the machine has two cores. A project of vite.config.ts, in a group of its own.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'engines',
    environment: 'node',
    include: ['tests/engines/**/*.engines.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
