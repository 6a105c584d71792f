// Size budget: each import, minified and gzipped together with its runtime dependency
// (jwt-decode), peers (React, TanStack Query) left out as the app already has them.
import { gzipSync } from 'node:zlib'
import { resolve } from 'node:path'
import { build } from 'vite'

// Budgets sit just above today's figures so that growth fails CI and has to be argued for. The
// goal is lower (whole library under 4 KB, React entry under 3 KB); `npm run bench` prints both.
const dist = (file) => resolve('dist', file)
export const checks = [
  {
    name: 'everything (client, adapters, React, React Query)',
    code: `export * from '${dist('index.js')}'; export * from '${dist('react-query.js')}'`,
    budget: 11_520,
  },
  {
    name: "import { AuthProvider, useAuth, useRequireAuth } from 'react-jwt-session'",
    code: `export { AuthProvider, useAuth, useRequireAuth } from '${dist('index.js')}'`,
    budget: 8_832,
  },
  { name: 'react-jwt-session/core', code: `export * from '${dist('core.js')}'`, budget: 8_704 },
  { name: 'react-jwt-session/react-query', code: `export * from '${dist('react-query.js')}'`, budget: 2_048 },
]

export async function measure(code) {
  const result = await build({
    logLevel: 'silent',
    configFile: false,
    publicDir: false,
    plugins: [virtualEntry(code)],
    build: {
      write: false,
      minify: true,
      lib: { entry: 'virtual:size-entry', formats: ['es'], fileName: 'entry' },
      // Lib mode keeps whitespace in ES output; an app's bundler ships it fully minified.
      rolldownOptions: {
        external: [/^react($|\/)/, /^react-dom($|\/)/, /^@tanstack\//],
        output: { minify: true },
      },
    },
  })
  const chunks = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output)
  const source = chunks.filter((c) => c.type === 'chunk').map((c) => c.code).join('\n')
  return { min: Buffer.byteLength(source), gzip: gzipSync(source, { level: 9 }).length }
}

function virtualEntry(code) {
  return {
    name: 'size-entry',
    enforce: 'pre',
    resolveId: (id) => (id.endsWith('virtual:size-entry') ? '\0size-entry' : null),
    load: (id) => (id === '\0size-entry' ? code : null),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let over = 0
  for (const check of checks) {
    const { min, gzip } = await measure(check.code)
    const ok = gzip <= check.budget
    if (!ok) over++
    console.log(`${ok ? 'ok  ' : 'OVER'} ${check.name}: ${min} B min, ${gzip} B min+gzip (budget ${check.budget} B)`)
  }
  if (over) {
    console.error(`${over} size budget(s) exceeded`)
    process.exit(1)
  }
}
