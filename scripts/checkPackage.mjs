// `npm run check:package`, after `npm run build`: the package as npm would publish it. The script
// runs `publint --strict` and `attw --pack` first (see package.json), then this file checks what
// those cannot, in a throwaway consumer project that installs the packed tarball with npm:
//      '/core' installs and loads without React (react, react-dom and jose are optional peers);
//      every subpath loads by `import` and by `require` with the same exports; every subpath but
//      '/testing/server' loads without jose ('/testing/playwright' also without any Playwright
//      package) and '/testing/server' asks for it; '/axios' loads without axios (types only); a consumer
//      file that imports every subpath and uses each entry's main names type-checks under node16
//      (.mts and .cts) and bundler resolution. The subpaths are package.json "exports", which
//      `npm run build` writes from the entries (scripts/entries.mjs): a new entry is checked here
//      without an edit; the names of MUST_EXPORT and the consumer below only deepen the checks.
// attw runs with `--profile node16`: every resolution but node10. TypeScript's node10 resolution
// (`moduleResolution: "node"`) predates `exports`, so no package can offer subpaths to it without a
// `typesVersions` map, and TypeScript 6 deprecates it (error TS5107). This package targets node16/
// nodenext and bundler resolution.
// What the built code does is tests/dist's job (`npm run test:dist`), not this script's.
// One line per check; exit 1 on any failure. `--keep` leaves the temp project for a look.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

const root = resolve(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const subpaths = Object.keys(pkg.exports).filter((key) => key !== './package.json')
const specifier = (subpath) => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`)
// A few names per entry that must be there, so an empty build cannot pass. Optional: every subpath
// of package.json "exports" is loaded and must export something, whether it is listed here or not.
const MUST_EXPORT = {
  '.': ['createAuthClient', 'AuthProvider', 'useAuth', 'useRequireAuth', 'RequireAuth', 'AuthError'],
  './core': ['createAuthClient', 'restRefresh', 'AuthError', 'isAuthError'],
  './react-query': ['bindQueryClient', 'useBindQueryClient', 'createQueryFn', 'shouldRetry'],
  './axios': ['attachAxios'],
  './devtools': ['diagnose', 'mountAuthDevtools', 'AuthDevtools', 'connectAuthDevtools', 'installFaults'],
  './testing': ['createTestJwt', 'createMemoryStorage', 'createTestAuthClient', 'TestAuthProvider'],
  './testing/server': ['createAuthServer', 'createBrowserFetch'],
  './testing/node': ['serveHandler', 'toNodeListener'],
  './testing/playwright': ['seedSession', 'captureSession', 'restoreSession', 'createSessionEntry'],
}
// The entries that need jose, an optional peer; every other loads without it (and '/core' without React).
const NEEDS_JOSE = ['./testing/server']
// Optional peers each entry needs, added to the consumer project step by step.
const REACT = ['react', 'react-dom', '@tanstack/react-query']
const TYPES = ['@types/react', '@types/react-dom', '@types/node']

let failures = 0
function report(status, name, detail = '') {
  if (status === 'FAIL') failures++
  console.log(`${status.padEnd(4)} ${name}${detail ? `: ${detail}` : ''}`)
}

if (!existsSync(join(root, 'dist/index.mjs'))) {
  report('FAIL', 'dist/ exists', 'no dist/index.mjs; run `npm run build` first')
  process.exit(1)
}
const tmp = mkdtempSync(join(tmpdir(), 'check-package-'))
try {
  const app = install(pack())
  checkWithoutReact(app)
  link(app, [...REACT, ...TYPES])
  checkWithoutJose(app)
  link(app, ['jose'])
  for (const subpath of subpaths) checkRuntime(app, subpath)
  link(app, ['axios']) // for the consumer's types only: '/axios' has loaded above without it
  checkTypes(app)
} finally {
  if (process.argv.includes('--keep')) console.log(`kept ${tmp}`)
  else rmSync(tmp, { recursive: true, force: true })
}
console.log(`${failures ? `${failures} check(s) failed` : 'all package checks passed'} in ${(performance.now() / 1000).toFixed(1)} s`)
process.exit(failures ? 1 : 0)

function pack() {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const [info] = JSON.parse(out)
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
  report('ok', 'npm pack', `${info.filename}, ${info.files.length} files, ${kb(info.size)} packed / ${kb(info.unpackedSize)} unpacked`)
  return join(tmp, info.filename)
}

/** A consumer project that installs the tarball the way an app would: npm, no React, no jose. */
function install(tarball) {
  const app = join(tmp, 'consumer')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  const result = spawnSync(
    'npm',
    ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'],
    { cwd: app, encoding: 'utf8' },
  )
  if (result.status !== 0) {
    report('FAIL', 'npm install of the tarball', firstError(result.stderr))
    throw new Error('cannot go on without the consumer project')
  }
  const peers = Object.keys(pkg.peerDependencies ?? {}).filter((name) => existsSync(join(app, 'node_modules', name)))
  report(
    peers.length ? 'FAIL' : 'ok',
    'npm install of the tarball in an empty project',
    peers.length
      ? `npm installed the peers ${peers.join(', ')}: are they optional?`
      : `no peer installed (${Object.keys(pkg.peerDependencies ?? {}).join(', ')} are optional)`,
  )
  return app
}

/** Adds the repository's copies of `names` to the consumer project. */
function link(app, names) {
  for (const name of names) {
    mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true })
    symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name), 'dir')
  }
}

function checkWithoutReact(app) {
  for (const [form, keys] of Object.entries(load(app, './core'))) {
    report(
      keys.error ? 'FAIL' : 'ok',
      `${form} '${specifier('./core')}' without react, react-dom or jose`,
      keys.error ?? `${keys.length} exports`,
    )
  }
}

function checkWithoutJose(app) {
  // '/core' has loaded above without React and jose.
  for (const subpath of subpaths.filter((subpath) => subpath !== './core' && !NEEDS_JOSE.includes(subpath))) {
    const { 'ESM import': keys, 'CJS require': cjs } = load(app, subpath)
    const error = keys.error ?? cjs.error
    report(error ? 'FAIL' : 'ok', `'${specifier(subpath)}' without jose`, error ?? `loads by import and require`)
  }
  for (const subpath of NEEDS_JOSE) {
    const { 'ESM import': server } = load(app, subpath)
    const asksForJose = server.error && /['"]jose['"]/.test(server.error)
    report(
      asksForJose ? 'ok' : 'FAIL',
      `'${specifier(subpath)}' without jose`,
      asksForJose ? `fails naming its optional peer jose, as it should` : (server.error ?? 'loaded without jose: is jose still needed?'),
    )
  }
}

function checkRuntime(app, subpath) {
  const name = specifier(subpath)
  const loaded = load(app, subpath)
  const [esm, cjs] = Object.values(loaded)
  for (const [form, keys] of Object.entries(loaded)) {
    if (keys.error) {
      report('FAIL', `${form} '${name}'`, keys.error)
      continue
    }
    const missing = (MUST_EXPORT[subpath] ?? []).filter((key) => !keys.includes(key))
    const problem = keys.length === 0 ? 'no exports' : missing.length ? `missing ${missing.join(', ')}` : ''
    report(problem ? 'FAIL' : 'ok', `${form} '${name}'`, problem || `${keys.length} exports`)
  }
  if (esm.error || cjs.error) return
  const differ = [...esm.filter((key) => !cjs.includes(key)), ...cjs.filter((key) => !esm.includes(key))]
  if (differ.length) report('FAIL', `'${name}': import and require give the same names`, `only in one of them: ${differ.join(', ')}`)
}

/** The export names of a subpath by `import` and by `require` in Node, or `{ error }`. */
function load(app, subpath) {
  const name = JSON.stringify(specifier(subpath))
  const forms = {
    'ESM import': ['--input-type=module', '-e', `const m = await import(${name}); console.log(JSON.stringify(Object.keys(m)))`],
    'CJS require': ['-e', `console.log(JSON.stringify(Object.keys(require(${name}))))`],
  }
  return Object.fromEntries(
    Object.entries(forms).map(([form, args]) => {
      const result = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8' })
      if (result.status !== 0) return [form, { error: firstError(result.stderr) }]
      return [form, JSON.parse(result.stdout.trim().split('\n').at(-1)).filter((key) => key !== '__esModule' && key !== 'default')]
    }),
  )
}

// In-process rather than `tsc`: diagnostics for the consumer files and the package's own
// declarations only (skipLibCheck off for those), not for every @types package in reach.
function checkTypes(app) {
  writeFileSync(join(app, 'esm.mts'), consumerSource('esm'))
  writeFileSync(join(app, 'cjs.cts'), consumerSource('cjs'))
  writeFileSync(join(app, 'bundler.ts'), consumerSource('bundler'))
  const common = { target: 'ES2022', lib: ['ES2022', 'DOM', 'DOM.Iterable'], strict: true, noEmit: true, types: ['node'] }
  const configs = {
    'node16 (.mts import + .cts require)': {
      compilerOptions: { ...common, module: 'node16', moduleResolution: 'node16' },
      files: ['esm.mts', 'cjs.cts'],
      expect: ['.d.cts', '.d.mts'],
    },
    'bundler (.ts)': {
      compilerOptions: { ...common, module: 'esnext', moduleResolution: 'bundler' },
      files: ['bundler.ts'],
      expect: ['.d.mts'],
    },
  }
  const home = join(app, 'node_modules', pkg.name) + '/'
  Object.entries(configs).forEach(([name, { expect, ...config }], i) => {
    const configFile = join(app, `tsconfig.${i}.json`)
    writeFileSync(configFile, JSON.stringify(config, null, 2))
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
    const program = ts.createProgram(parsed.fileNames, parsed.options)
    const ours = program.getSourceFiles().filter((file) => file.fileName.startsWith(home) || !file.fileName.includes('/node_modules/'))
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...ours.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
    ]
    const errors = diagnostics.map((d) => {
      const where = d.file ? `${relative(app, d.file.fileName)}(${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}): ` : ''
      return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`
    })
    const kinds = [
      ...new Set(ours.filter((file) => file.fileName.startsWith(home)).map((file) => /\.d\.[cm]ts$/.exec(file.fileName)?.[0])),
    ].sort()
    const wrong = expect.join() !== kinds.join()
    const detail = errors.length
      ? errors.slice(0, 6).join(' | ')
      : wrong
        ? `declarations read: ${kinds.join(', ')}; expected ${expect.join(', ')}`
        : `clean, every subpath typed from ${expect.join(' + ')}`
    report(errors.length || wrong ? 'FAIL' : 'ok', `TypeScript ${ts.version} moduleResolution ${name}`, detail)
  })
}

/**
 * A consumer touching every entry: each subpath of "exports" as a namespace (a new entry is typed
 * without a line here), and the main names of each by hand; the @ts-expect-error lines fail if a
 * type resolved to `any`.
 */
function consumerSource(kind) {
  const namespaces = subpaths.map((subpath, i) => `import * as entry${i} from '${specifier(subpath)}'`).join('\n')
  return `${namespaces}
import { AuthError, AuthProvider, RequireAuth, createAuthClient, isAuthError, type AuthClient, type AuthState, type UseAuthResult } from '${pkg.name}'
import { createAuthClient as createCoreClient, restRefresh, type AuthClientOptions } from '${pkg.name}/core'
import { bindQueryClient, createQueryFn, shouldRetry } from '${pkg.name}/react-query'
import { attachAxios } from '${pkg.name}/axios'
import { AuthDevtools, diagnose, mountAuthDevtools, type DiagnosticReport } from '${pkg.name}/devtools'
import type { AxiosInstance } from 'axios'
import { TestAuthProvider, createMemoryStorage, createTestJwt } from '${pkg.name}/testing'
import { createAuthServer } from '${pkg.name}/testing/server'
import { serveHandler, toNodeListener, type FetchHandler } from '${pkg.name}/testing/node'
import { captureSession, restoreSession, seedSession, type InitScriptTarget, type SessionEntry } from '${pkg.name}/testing/playwright'
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
// A Playwright BrowserContext or Page, structurally: nothing of Playwright is installed here.
const context: InitScriptTarget = { addInitScript: async () => {} }
const seeded: Promise<SessionEntry> = seedSession(context, { accessToken: token, refreshToken: 'rt' }, { origin: 'https://example.test' })
const carried = captureSession({ evaluate: async () => null }).then((entry) => restoreSession(context, entry))
// @ts-expect-error seedSession wants a pair with an access token
void seedSession(context, {})
declare const instance: AxiosInstance
export const detach: () => void = attachAxios(client, instance, { allowedOrigins: ['https://example.test'] })
// @ts-expect-error attachAxios wants an axios instance
void attachAxios(client, {})
const report: DiagnosticReport = diagnose(client)
const panel = createElement(AuthDevtools, { client, initialIsOpen: true })
declare const host: HTMLElement
export const unmount: () => void = mountAuthDevtools(core, host)
// @ts-expect-error diagnose wants a client
void diagnose({})
export const all = [state, known, unbind, queryFn, select, page, test, token, listener, served, seeded, carried, report, panel, ${JSON.stringify(kind)}]
export const entries = [${subpaths.map((_, i) => `entry${i}`).join(', ')}]
`
}

function firstError(stderr) {
  const lines = stderr.split('\n').map((line) => line.trim())
  return lines.find((line) => /^(\w*Error|Error \[|npm error)/.test(line)) ?? lines.find(Boolean) ?? 'no output'
}
