import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The recipes of docs/ as running examples: `vitest run --config examples/recipes/vitest.config.ts`.
// `react-jwt-session*` resolves to the source, as an installed package would resolve to dist/.
const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url))

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: [
      { find: /^react-jwt-session$/, replacement: src('index.ts') },
      { find: /^react-jwt-session\/core$/, replacement: src('core/index.ts') },
      { find: /^react-jwt-session\/react-query$/, replacement: src('react-query/index.ts') },
      { find: /^react-jwt-session\/axios$/, replacement: src('axios/index.ts') },
      { find: /^react-jwt-session\/testing$/, replacement: src('testing/index.ts') },
      { find: /^react-jwt-session\/testing\/server$/, replacement: src('testing/server/index.ts') },
      { find: /^react-jwt-session\/testing\/node$/, replacement: src('testing/nodeHttp.ts') },
      { find: /^react-jwt-session\/testing\/playwright$/, replacement: src('testing/playwright.ts') },
    ],
  },
  test: {
    environment: 'jsdom',
    globals: true, // lets Testing Library unmount between tests, as in docs/testing.md
    include: ['**/*.test.{ts,tsx}'],
    restoreMocks: true,
    unstubGlobals: true,
    testTimeout: 10_000,
  },
})
