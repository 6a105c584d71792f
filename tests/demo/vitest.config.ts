import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The demo app in real Chromium: `vitest run --config tests/demo/vitest.config.ts`.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    environment: 'node',
    include: ['tests/demo/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
