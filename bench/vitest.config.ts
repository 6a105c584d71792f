import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Measurements that need React in jsdom (re-renders, leaks). `npm run bench` runs them and reads the
// `BENCH {json}` lines they print: they report figures and assert nothing about targets.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    environment: 'jsdom',
    include: ['bench/**/*.measure.{ts,tsx}'],
    restoreMocks: true,
    testTimeout: 120_000,
  },
})
