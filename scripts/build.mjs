// Builds dist/: ESM + CJS bundles per entry (vite), then declarations (tsc), published twice:
// dist/types for `import` and dist/types-cjs (with a nested {"type":"commonjs"}) for `require`,
// so TypeScript sees the module format each condition really gets.
import { execFileSync } from 'node:child_process'
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { build } from 'vite'

await build({ logLevel: 'warn' })

rmSync('dist/types', { recursive: true, force: true })
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', 'dist/types'], { stdio: 'inherit' })

// Node's ESM resolution needs full specifiers: './client' → './client.js', './core' → './core/index.js'.
for (const file of walk('dist/types')) {
  if (!file.endsWith('.d.ts')) continue
  const source = readFileSync(file, 'utf8')
  const fixed = source.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\2/g, (_m, lead, quote, spec) => {
    const target = resolve(dirname(file), spec)
    const isDir = exists(target) && statSync(target).isDirectory()
    return `${lead}${quote}${spec}${isDir ? '/index.js' : '.js'}${quote}`
  })
  writeFileSync(file, fixed)
}

rmSync('dist/types-cjs', { recursive: true, force: true })
cpSync('dist/types', 'dist/types-cjs', { recursive: true })
writeFileSync('dist/types-cjs/package.json', '{ "type": "commonjs" }\n')

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* walk(path)
    else yield path
  }
}

function exists(path) {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}
