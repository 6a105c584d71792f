import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vitest/config'

// The smoke suite against the built package: `npm run build && npm run test:dist`. The tests
// import only the package's public names, mapped here to the ESM files in dist/ the way
// package.json "exports" maps them (its "import" conditions).
const root = fileURLToPath(new URL('../..', import.meta.url))
const dist = (file: string) => `${root}dist/${file}`

/** Fails a test that reaches into src/: everything must come from dist/. */
const noSource: Plugin = {
  name: 'no-source',
  enforce: 'pre',
  load(id) {
    if (id.startsWith(`${root}src/`)) throw new Error(`tests/dist loaded ${id.slice(root.length)}; import the package by name instead`)
  },
}

export default defineConfig({
  root,
  plugins: [noSource],
  resolve: {
    alias: [
      { find: /^jwt-tab-session$/, replacement: dist('index.mjs') },
      { find: /^jwt-tab-session\/core$/, replacement: dist('core.mjs') },
      { find: /^jwt-tab-session\/react-query$/, replacement: dist('react-query.mjs') },
      { find: /^jwt-tab-session\/axios$/, replacement: dist('axios.mjs') },
      { find: /^jwt-tab-session\/devtools$/, replacement: dist('devtools.mjs') },
      { find: /^jwt-tab-session\/testing$/, replacement: dist('testing.mjs') },
      { find: /^jwt-tab-session\/testing\/server$/, replacement: dist('testing-server.mjs') },
      { find: /^jwt-tab-session\/testing\/node$/, replacement: dist('testing-node.mjs') },
      { find: /^jwt-tab-session\/testing\/playwright$/, replacement: dist('testing-playwright.mjs') },
    ],
  },
  test: {
    name: 'dist',
    environment: 'jsdom',
    include: ['tests/dist/**/*.test.js'],
    restoreMocks: true,
  },
})
