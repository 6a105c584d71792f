import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defaultClientConditions, defineConfig } from 'vite'
import { SOURCE } from '../../scripts/entries.mjs'

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url))

// The demo app, served by `npm run demo` (scripts/demo.mjs) next to the reference auth server.
// The package's public import paths resolve to the source (package.json "exports" under the
// condition scripts/entries.mjs names), so the demo reads like an app that installed the package
// and a change in src/ shows up without a build.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  // `npm run demo -- --dpop` turns it on (scripts/demo.mjs passes its own `define`).
  define: { __DEMO_DPOP__: 'false' },
  resolve: { conditions: [SOURCE, ...defaultClientConditions] },
  // Its own cache, so the demo never fights another dev server in this tree over node_modules/.vite.
  cacheDir: repo('node_modules/.vite/demo'),
  // Found up front: a dependency discovered on the first page load makes Vite reload the page.
  optimizeDeps: {
    include: ['react', 'react-dom/client', 'react/jsx-dev-runtime', 'react-router', '@tanstack/react-query', 'jwt-decode'],
  },
  server: { fs: { allow: [repo('.')] } },
})
