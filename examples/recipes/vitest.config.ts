import { fileURLToPath } from 'node:url'
import { defaultClientConditions } from 'vite'
import { defineConfig } from 'vitest/config'
import { SOURCE } from '../../scripts/entries.mjs'

// The recipes of docs/ as running examples: `npm run test:docs` (a project of vite.config.ts).
// `jwt-tab-session*` resolves to the source, as an installed package would resolve to dist/: through
// package.json "exports", under the condition that names each entry's source (scripts/entries.mjs).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { conditions: [SOURCE, ...defaultClientConditions] },
  test: {
    name: 'recipes',
    environment: 'jsdom',
    globals: true, // lets Testing Library unmount between tests, as in docs/testing.md
    include: ['**/*.test.{ts,tsx}'],
    restoreMocks: true,
    unstubGlobals: true,
    testTimeout: 10_000,
  },
})
