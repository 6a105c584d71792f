import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Real-browser cross-tab tests: Chromium (playwright-core) against the reference server over HTTP.
// One file at a time: each starts its own browser and server, and the machine has two cores.
// A project of vite.config.ts (`npm run test:e2e`); teardownTimeout is set there, for the whole run.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['tests/e2e/**/*.e2e.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
