import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vitest/config'

// The smoke suite against the built package: `npm run build && npm run test:dist`. The tests
// import only the package's public names, which Vite resolves as Node does inside a package (a
// self-reference): through package.json "exports", their "import" conditions, to the ESM files in
// dist/. No alias: the map under test is the one an app gets.
const root = fileURLToPath(new URL('../..', import.meta.url))

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
  test: {
    name: 'dist',
    environment: 'jsdom',
    include: ['tests/dist/**/*.test.js'],
    restoreMocks: true,
  },
})
