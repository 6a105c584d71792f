import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The demo app in real Chromium: `npm run test:demo` (a project of vite.config.ts).
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'demo',
    environment: 'node',
    include: ['tests/demo/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
