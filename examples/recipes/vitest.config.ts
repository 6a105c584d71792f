import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The recipes of docs/ as running examples: `npm run test:docs` (a project of vite.config.ts).
// `jwt-tab-session*` resolves to the source, as an installed package would resolve to dist/.
const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url))

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: [
      { find: /^jwt-tab-session$/, replacement: src('index.ts') },
      { find: /^jwt-tab-session\/core$/, replacement: src('core/index.ts') },
      { find: /^jwt-tab-session\/react-query$/, replacement: src('react-query/index.ts') },
      { find: /^jwt-tab-session\/axios$/, replacement: src('axios/index.ts') },
      { find: /^jwt-tab-session\/devtools$/, replacement: src('devtools/index.ts') },
      { find: /^jwt-tab-session\/testing$/, replacement: src('testing/index.ts') },
      { find: /^jwt-tab-session\/testing\/server$/, replacement: src('testing/server/index.ts') },
      { find: /^jwt-tab-session\/testing\/node$/, replacement: src('testing/nodeHttp.ts') },
      { find: /^jwt-tab-session\/testing\/playwright$/, replacement: src('testing/playwright.ts') },
    ],
  },
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
