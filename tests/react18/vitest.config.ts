// The React binding tests again, on React 18 (the lowest major the peer range allows). React,
// React DOM and Testing Library come from tests/react18/node_modules (`npm ci --prefix
// tests/react18`); everything else from the root install.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const react18 = (path: string) => fileURLToPath(new URL(`./node_modules/${path}`, import.meta.url))

export default defineConfig({
  resolve: {
    alias: [
      { find: /^react$/, replacement: react18('react/index.js') },
      { find: /^react\/(.*)$/, replacement: react18('react/$1') },
      { find: /^react-dom$/, replacement: react18('react-dom/index.js') },
      { find: /^react-dom\/(.*)$/, replacement: react18('react-dom/$1') },
      // Its own copy, whose require('react-dom') finds React DOM 18 beside it.
      { find: /^@testing-library\/react$/, replacement: react18('@testing-library/react/dist/index.js') },
    ],
  },
  test: {
    name: 'react18',
    environment: 'jsdom',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['tests/unit/react/**/*.test.tsx', 'tests/unit/testing/**/*.test.tsx'],
    // The logs it provokes on purpose are filtered by onConsoleLog in vite.config.ts (for the whole run).
  },
})
