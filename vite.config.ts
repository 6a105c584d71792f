import { defineConfig } from 'vitest/config'

// Every Vitest suite as one project of one run (`npm run test:all`); `--project <name>` runs one
// (`npm run test:unit` is `--project unit`). The library build is tsdown.config.ts.
//
// The machine CI runs on has two cores and the browser suites are timing-sensitive, so the groups
// run one after another: the jsdom/Node suites together, then each Chromium suite alone.
const group = (order: number) => ({ sequence: { groupOrder: order } })

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'jsdom',
          include: ['src/**/*.test.{ts,tsx}', 'tests/unit/**/*.test.{ts,tsx}'],
          restoreMocks: true,
          ...group(0),
        },
      },
      { extends: 'tests/react18/vitest.config.ts', test: group(0) },
      { extends: 'tests/dist/vitest.config.ts', test: group(0) },
      { extends: 'examples/recipes/vitest.config.ts', root: 'examples/recipes', test: group(0) },
      { extends: 'tests/e2e/vitest.config.ts', test: group(1) },
      { extends: 'tests/demo/vitest.config.ts', test: group(2) },
      { extends: '.storybook/vitest.config.ts', test: group(3) },
      { extends: 'tests/engines/vitest.config.ts', test: group(4) }, // Chromium, Firefox, WebKit
    ],
    // Options of the whole run, not of a project.
    teardownTimeout: 30_000, // e2e: a browser and a server to close per file
    // React 18 also logs the errors that tests provoke on purpose (a hook outside its provider);
    // React 19 does not, so the filter hides nothing a unit test could miss.
    onConsoleLog: (log) => !log.includes('was called outside <AuthProvider>'),
  },
})
