import { defineConfig } from 'vitest/config'

// Library build: one ESM + CJS file per public entry. Runtime and peer dependencies stay external.
const entries = {
  index: 'src/index.ts',
  core: 'src/core/index.ts',
  'react-query': 'src/react-query/index.ts',
  testing: 'src/testing/index.ts',
  'testing-node': 'src/testing/nodeHttp.ts',
}

export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: { entry: entries, formats: ['es', 'cjs'] },
    rolldownOptions: {
      external: [/^react($|\/)/, /^react-dom($|\/)/, 'jwt-decode', /^@tanstack\//, 'jose', /^node:/],
      // The 'use client' directives inside modules are dropped on bundling; the banner puts it back per entry.
      checks: { moduleLevelDirective: false },
      output: {
        // React entries must be client modules in frameworks with server components.
        banner: (chunk) => (chunk.isEntry && ['index', 'testing', 'react-query'].includes(chunk.name) ? "'use client';" : ''),
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}', 'tests/unit/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
})
