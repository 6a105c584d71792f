// Checks the package as npm would publish it, after `npm run build`: packs it, runs publint and
// are-the-types-wrong on the tarball, then unpacks it into a throwaway project and imports,
// requires and type-checks every entry the way a consumer would. One line per check; exit 1 on
// any failure. `--keep` leaves the temp project for a look.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import ts from 'typescript'

const root = resolve(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const subpaths = Object.keys(pkg.exports).filter((key) => key !== './package.json')
const specifier = (subpath) => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`)
// What the unpacked package needs at run and type time; the repo's copies are symlinked in.
const DEPENDENCIES = ['jwt-decode', 'react', 'react-dom', '@tanstack/react-query', 'jose', '@types/react', '@types/react-dom', '@types/node']
// A few names per entry that must be there, so an empty build cannot pass by matching empty types.
const MUST_EXPORT = {
  '.': ['createAuthClient', 'AuthProvider', 'useAuth', 'useRequireAuth', 'RequireAuth', 'AuthError'],
  './core': ['createAuthClient', 'createAuthFetch', 'restRefresh', 'AuthError'],
  './react-query': ['bindQueryClient', 'createQueryFn', 'shouldRetry'],
  './testing': ['createTestJwt', 'createMemoryStorage', 'createAuthServer', 'TestAuthProvider'],
  './testing/node': ['serveHandler', 'toNodeListener'],
}
// Node 20.19 is the first 20.x whose require() loads ES modules (jose 6 is ESM-only).
const REQUIRE_ESM_SINCE = [20, 19]

let failures = 0
function report(status, name, detail = '') {
  if (status === 'FAIL') failures++
  console.log(`${status.padEnd(4)} ${name}${detail ? `: ${detail}` : ''}`)
}

if (!existsSync(join(root, 'dist/index.js'))) {
  report('FAIL', 'dist/ exists', 'no dist/index.js; run `npm run build` first')
  process.exit(1)
}
const tmp = mkdtempSync(join(tmpdir(), 'check-package-'))
try {
  checkFreshness()
  const tarball = pack()
  await Promise.all([runPublint(tarball), runAttw(tarball)])
  const app = installInto(tarball)
  checkDirectives(app)
  for (const subpath of subpaths) checkRuntime(app, subpath)
  checkRequireWithoutRequireEsm(app)
  checkOptionalPeers(tarball)
  checkTypes(app)
} finally {
  if (process.argv.includes('--keep')) console.log(`kept ${tmp}`)
  else rmSync(tmp, { recursive: true, force: true })
}
console.log(`${failures ? `${failures} check(s) failed` : 'all package checks passed'} in ${(performance.now() / 1000).toFixed(1)} s`)
process.exit(failures ? 1 : 0)

function checkFreshness() {
  const built = statSync(join(root, 'dist/index.js')).mtimeMs
  const newer = [...walk(join(root, 'src'))].filter((file) => statSync(file).mtimeMs > built)
  if (newer.length) report('warn', 'dist/ is current', `${newer.length} file(s) in src/ changed since the build, e.g. ${relative(root, newer[0])}`)
  else report('ok', 'dist/ is current', 'no file in src/ is newer than dist/index.js')
}

function pack() {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const [info] = JSON.parse(out)
  const files = info.files.map((file) => file.path)
  const stray = files.filter((file) => !file.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(file))
  const referenced = [pkg.main, pkg.module, pkg.types, ...subpaths.flatMap((s) => Object.values(pkg.exports[s]).flatMap(Object.values))]
  const missing = referenced.map((path) => path.replace(/^\.\//, '')).filter((path) => !files.includes(path))
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
  report(stray.length || missing.length ? 'FAIL' : 'ok', 'npm pack', `${info.filename}, ${files.length} files, ${kb(info.size)} packed / ${kb(info.unpackedSize)} unpacked` +
    (stray.length ? `; not meant to ship: ${stray.join(', ')}` : '') + (missing.length ? `; missing: ${missing.join(', ')}` : ''))
  report(files.includes('LICENSE') ? 'ok' : 'FAIL', 'LICENSE in the tarball', files.includes('LICENSE') ? pkg.license : `package.json says ${pkg.license} but no LICENSE file ships`)
  // The maps point at ../src, which does not ship: they are only useful with the source embedded.
  const maps = files.filter((file) => file.endsWith('.map'))
  const bare = maps.filter((file) => {
    const map = JSON.parse(readFileSync(join(root, file), 'utf8'))
    return map.sources.some((source, i) => !files.includes(join(dirname(file), source)) && typeof map.sourcesContent?.[i] !== 'string')
  })
  report(bare.length ? 'FAIL' : 'ok', 'source maps self-contained', bare.length ? `sources neither shipped nor embedded in ${bare.join(', ')}` : `${maps.length} maps embed sourcesContent`)
  return join(tmp, info.filename)
}

async function runPublint(tarball) {
  const data = readFileSync(tarball)
  const { messages, pkg: packed } = await publint({ pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }, level: 'suggestion', strict: true })
  if (!messages.length) return report('ok', 'publint (strict, suggestions included)', 'no messages')
  for (const message of messages) report('FAIL', `publint ${message.type} ${message.code}`, formatMessage(message, packed, { color: false }))
}

// The "node16" profile of attw: every resolution but node10. TypeScript's node10 resolution
// (`moduleResolution: "node"`) predates `exports`, so no package can offer subpaths to it without
// a `typesVersions` map, and TypeScript 6 deprecates it (error TS5107). This package targets
// node16/nodenext and bundler resolution; NoResolution for its subpaths under node10 is expected.
async function runAttw(tarball) {
  const bin = join(root, 'node_modules/.bin/attw')
  const { stdout } = await run(bin, [tarball, '--format', 'json', '--no-color'], root)
  const problems = Object.values(JSON.parse(stdout).problems ?? {}).flat()
  const ignored = problems.filter((problem) => problem.resolutionKind === 'node10')
  const counted = problems.filter((problem) => problem.resolutionKind !== 'node10')
  for (const subpath of subpaths) {
    const found = counted.filter((problem) => problem.entrypoint === subpath)
    const detail = found.map((problem) => `${problem.kind} (${problem.resolutionKind ?? 'all'})`).join(', ')
    report(found.length ? 'FAIL' : 'ok', `attw --profile node16 '${specifier(subpath)}'`, detail || 'node16 from ESM, node16 from CJS and bundler all resolve to matching types')
  }
  for (const problem of counted.filter((p) => !subpaths.includes(p.entrypoint))) report('FAIL', `attw ${problem.kind}`, JSON.stringify(problem))
  if (ignored.length) {
    const which = ignored.map((problem) => `${problem.kind} ${problem.entrypoint}`).join(', ')
    report('ok', 'attw node10 resolution (ignored)', `${which}: moduleResolution "node10" ignores "exports"; unsupported by design`)
  }
}

function installInto(tarball) {
  const app = unpack(tarball, 'consumer', DEPENDENCIES)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  report('ok', 'unpacked into a temp project', `node_modules/${pkg.name} + symlinked ${DEPENDENCIES.join(', ')}`)
  return app
}

/** A project in tmp/`dir` with the tarball as node_modules/<name> and the repo's copies of `deps`. */
function unpack(tarball, dir, deps) {
  const app = join(tmp, dir)
  const home = join(app, 'node_modules', pkg.name)
  mkdirSync(home, { recursive: true })
  execFileSync('tar', ['-xzf', tarball, '-C', home, '--strip-components=1'])
  for (const name of deps) {
    mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true })
    symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name), 'dir')
  }
  return app
}

// Frameworks with server components need the directive first in every React entry, and nowhere
// the core might be imported from the server.
function checkDirectives(app) {
  const files = { 'index': true, 'react-query': true, 'testing': true, 'core': false, 'testing-node': false }
  for (const [name, client] of Object.entries(files)) {
    for (const ext of ['js', 'cjs']) {
      const source = readFileSync(join(app, 'node_modules', pkg.name, 'dist', `${name}.${ext}`), 'utf8')
      const prologue = directives(source)
      const count = prologue.filter((d) => d === 'use client').length
      const ok = client ? prologue[0] === 'use client' : count === 0
      const extra = count > 1 ? ` (warn: "use client" appears ${count} times in the prologue)` : ''
      report(ok ? (extra ? 'warn' : 'ok') : 'FAIL', `'use client' in dist/${name}.${ext}`, (client ? (ok ? 'first statement' : 'not the first statement') : ok ? 'absent, as it should be' : 'present in a non-React entry') + extra)
    }
  }
}

function checkRuntime(app, subpath) {
  const name = specifier(subpath)
  const expected = valueExports(join(app, 'node_modules', pkg.name, pkg.exports[subpath].import.types))
  const mustHave = MUST_EXPORT[subpath] ?? []
  const forms = {
    'ESM import': ['--input-type=module', '-e', `const m = await import(${JSON.stringify(name)}); console.log(JSON.stringify(Object.keys(m)))`],
    'CJS require': ['-e', `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(name)}))))`],
  }
  for (const [form, args] of Object.entries(forms)) {
    const result = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8' })
    if (result.status !== 0) {
      report('FAIL', `${form} '${name}' in Node ${process.version}`, firstError(result.stderr))
      continue
    }
    const keys = JSON.parse(result.stdout.trim().split('\n').at(-1)).filter((key) => key !== '__esModule')
    const missing = [...new Set([...expected, ...mustHave])].filter((key) => !keys.includes(key))
    const extra = keys.filter((key) => !expected.includes(key))
    const warning = result.stderr.trim() ? `; stderr: ${firstError(result.stderr)}` : ''
    const detail = missing.length || extra.length ? `missing ${missing.join(', ') || '-'}; not in the types ${extra.join(', ') || '-'}` : `${keys.length} exports, the same as its types declare${warning}`
    report(missing.length || extra.length ? 'FAIL' : warning ? 'warn' : 'ok', `${form} '${name}' in Node ${process.version}`, detail)
  }
}

// jose 6 ships only ESM, so dist/testing.cjs works only where require() loads ES modules.
function checkRequireWithoutRequireEsm(app) {
  const broken = subpaths.filter((subpath) => {
    const args = ['--no-experimental-require-module', '-e', `require(${JSON.stringify(specifier(subpath))})`]
    return spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8' }).status !== 0
  })
  const floor = /(\d+)(?:\.(\d+))?/.exec(pkg.engines?.node ?? '0')
  const allowsOld = Number(floor[1]) < REQUIRE_ESM_SINCE[0] || (Number(floor[1]) === REQUIRE_ESM_SINCE[0] && Number(floor[2] ?? 0) < REQUIRE_ESM_SINCE[1])
  const name = `CJS require without require(esm) (Node 20.0-20.18)`
  if (!broken.length) return report('ok', name, 'every entry loads')
  const which = broken.map(specifier).join(', ')
  if (allowsOld) report('FAIL', name, `${which} fails with ERR_REQUIRE_ESM (jose is ESM-only), but engines.node is "${pkg.engines.node}"`)
  else report('ok', name, `${which} needs require(esm); engines.node "${pkg.engines.node}" excludes those versions`)
}

// Optional peers must stay optional: the main entries load without them, and an entry that
// needs one should say so in the README.
function checkOptionalPeers(tarball) {
  const optional = Object.keys(pkg.peerDependenciesMeta ?? {}).filter((name) => pkg.peerDependenciesMeta[name].optional)
  const required = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}).filter((name) => !optional.includes(name))]
  const app = unpack(tarball, 'without-optional-peers', required)
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  for (const subpath of subpaths) {
    const name = `'${specifier(subpath)}' without ${optional.join(', ')}`
    const args = ['--input-type=module', '-e', `await import(${JSON.stringify(specifier(subpath))})`]
    const result = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8' })
    if (result.status === 0) {
      report('ok', name, 'loads')
      continue
    }
    const missing = /Cannot find (?:package|module) '([^']+)'/.exec(result.stderr)?.[1]
    if (['.', './core'].includes(subpath) || !missing || !optional.includes(missing)) report('FAIL', name, firstError(result.stderr))
    else if (readme.includes(`\`${missing}\``)) report('ok', name, `needs optional peer ${missing}, as README.md says`)
    else report('warn', name, `needs optional peer ${missing}, which README.md never mentions`)
  }
}

// In-process rather than `tsc`: diagnostics for the consumer files and the package's own
// declarations only (skipLibCheck off for those), not for every @types package in reach.
function checkTypes(app) {
  writeFileSync(join(app, 'esm.mts'), consumerSource('esm'))
  writeFileSync(join(app, 'cjs.cts'), consumerSource('cjs'))
  writeFileSync(join(app, 'bundler.ts'), consumerSource('bundler'))
  const common = { target: 'ES2022', lib: ['ES2022', 'DOM', 'DOM.Iterable'], strict: true, noEmit: true, types: ['node'] }
  const configs = {
    'node16 (.mts import + .cts require)': { compilerOptions: { ...common, module: 'node16', moduleResolution: 'node16' }, files: ['esm.mts', 'cjs.cts'], expect: ['types', 'types-cjs'] },
    'bundler (.ts)': { compilerOptions: { ...common, module: 'esnext', moduleResolution: 'bundler' }, files: ['bundler.ts'], expect: ['types'] },
  }
  const home = join(app, 'node_modules', pkg.name) + '/'
  Object.entries(configs).forEach(([name, { expect, ...config }], i) => {
    const configFile = join(app, `tsconfig.${i}.json`)
    writeFileSync(configFile, JSON.stringify(config, null, 2))
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
    const program = ts.createProgram(parsed.fileNames, parsed.options)
    const ours = program.getSourceFiles().filter((file) => file.fileName.startsWith(home) || !file.fileName.includes('/node_modules/'))
    const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...ours.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)])]
    const errors = diagnostics.map((d) => {
      const where = d.file ? `${relative(app, d.file.fileName)}(${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}): ` : ''
      return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`
    })
    const dirs = [...new Set(ours.map((file) => /\/dist\/(types(?:-cjs)?)\//.exec(file.fileName)?.[1]).filter(Boolean))].sort()
    const wrongDirs = expect.join() !== dirs.join()
    const detail = errors.length ? errors.slice(0, 6).join(' | ') : wrongDirs ? `declarations read from dist/${dirs.join(', dist/')}, expected dist/${expect.join(', dist/')}` : `clean, every subpath typed from dist/${expect.join(' + dist/')}`
    report(errors.length || wrongDirs ? 'FAIL' : 'ok', `TypeScript ${ts.version} moduleResolution ${name}`, detail)
  })
}

/** A consumer touching every entry; the @ts-expect-error lines fail if a type resolved to `any`. */
function consumerSource(kind) {
  return `import { AuthError, AuthProvider, RequireAuth, createAuthClient, isAuthError, type AuthClient, type AuthState, type UseAuthResult } from '${pkg.name}'
import { createAuthClient as createCoreClient, createAuthFetch, restRefresh, type AuthClientOptions } from '${pkg.name}/core'
import { bindQueryClient, createQueryFn, shouldRetry } from '${pkg.name}/react-query'
import { TestAuthProvider, createAuthServer, createMemoryStorage, createTestJwt } from '${pkg.name}/testing'
import { serveHandler, toNodeListener, type FetchHandler } from '${pkg.name}/testing/node'
import { QueryClient } from '@tanstack/react-query'
import { createElement } from 'react'

const options: AuthClientOptions = { refresh: restRefresh({ url: 'https://example.test/auth/refresh' }), storage: createMemoryStorage() }
const client: AuthClient = createAuthClient(options)
const core: AuthClient = createCoreClient(options) // one AuthClient type across '.' and './core'
const state: AuthState = client.getSnapshot()
// @ts-expect-error login needs an access token
client.login({})
const error = new AuthError('refresh_rejected', 'gone', { status: 401 })
const known: boolean = isAuthError(error) && shouldRetry(1, error)
const authFetch: typeof fetch = createAuthFetch(client, { allowedOrigins: ['https://example.test'] }).fetch
const unbind: () => void = bindQueryClient(core, new QueryClient())
const queryFn = createQueryFn(client, { baseUrl: 'https://example.test' })
const select = (s: UseAuthResult): string | undefined => s.claims?.sub
const page = createElement(AuthProvider, { client }, createElement(RequireAuth, { redirectTo: '/login' }))
const test = createElement(TestAuthProvider, { claims: { sub: 'user-1' } })
const token: string = createTestJwt({ sub: 'user-1' })
const handler: FetchHandler = createAuthServer().handler
const listener = toNodeListener(handler)
const served: Promise<{ url: string; close(): Promise<void> }> = serveHandler(handler)
// @ts-expect-error serveHandler wants a handler
void serveHandler()
export const all = [state, known, authFetch, unbind, queryFn, select, page, test, token, listener, served, ${JSON.stringify(kind)}]
`
}

/** The names an entry's declarations export as values (what must exist at run time). */
function valueExports(file) {
  const program = ts.createProgram([file], { noEmit: true, skipLibCheck: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, types: [] })
  const checker = program.getTypeChecker()
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file))
  return checker
    .getExportsOfModule(moduleSymbol)
    .filter((symbol) => {
      let current = symbol
      while (current.flags & ts.SymbolFlags.Alias) {
        // `export type { X }` or `export { type X }`: a type even when X is a class.
        if (current.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration?.(d) || (ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)))) return false
        current = checker.getImmediateAliasedSymbol(current) ?? current
        if (!(current.flags & ts.SymbolFlags.Alias)) break
      }
      return Boolean(current.flags & ts.SymbolFlags.Value)
    })
    .map((symbol) => symbol.name)
    .sort()
}

/** The directive prologue: the leading string-literal statements. */
function directives(source) {
  const file = ts.createSourceFile('entry.js', source, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS)
  const prologue = []
  for (const statement of file.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isStringLiteral(statement.expression)) break
    prologue.push(statement.expression.text)
  }
  return prologue
}

function run(command, args, cwd) {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}

function firstError(stderr) {
  const lines = stderr.split('\n').map((line) => line.trim())
  return lines.find((line) => /^(\w*Error|Error \[)/.test(line)) ?? lines.find(Boolean) ?? 'no output'
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* walk(path)
    else yield path
  }
}
