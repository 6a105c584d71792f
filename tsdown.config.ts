import { defineConfig } from 'tsdown'
import { entries } from './scripts/entries.mjs'

// `npm run build`: dist/ holds one ESM (.mjs) and one CJS (.cjs) file per public entry, each with
// its own declarations (.d.mts / .d.cts), so TypeScript sees the module format each condition
// really gets. The entries are package.json "exports" (scripts/entries.mjs), each built under the
// name its "import" and "require" files have.
const entry = {
  ...Object.fromEntries(entries.map(({ name, source }) => [name, source])),
  // The bin (`npx jwt-tab-session check-server`), not an export: package.json "bin" points here.
  cli: 'src/testing/checkServer/bin.ts',
}

// React entries must be client modules in frameworks with server components. Bundling drops the
// directives inside modules, so the banner puts one back at the top of these entries only: the
// core, the reference server and its node:http adapter stay importable from server code.
const CLIENT_ENTRIES = new Set(['index', 'react-query', 'devtools', 'testing'])

export default defineConfig({
  entry,
  format: ['esm', 'cjs'],
  platform: 'neutral',
  target: 'es2022',
  fixedExtension: true,
  dts: true,
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  // The runtime dependency and the peers are the app's own copies; Node's modules are Node's.
  deps: {
    neverBundle: [/^react($|\/)/, /^react-dom($|\/)/, 'jwt-decode', /^@tanstack\//, 'axios', 'jose', /^node:/],
    // Nothing from node_modules may end up inside dist/: the build fails if something does.
    onlyBundle: [],
  },
  outputOptions: {
    // Rolldown's own banner (tsdown's `banner` calls a function form once for all chunks).
    banner: (chunk) => (chunk.isEntry && CLIENT_ENTRIES.has(chunk.name) && /\.[mc]js$/.test(chunk.fileName) ? "'use client';" : ''),
  },
  // Plugin timings are noise here: the declaration pass is most of a 5-second build by nature.
  inputOptions: { checks: { pluginTimings: false } },
})
