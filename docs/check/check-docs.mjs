#!/usr/bin/env node
// Type-checks every TypeScript code block of README.md and docs/*.md against the source, and
// checks the links between them. `npm run test:docs` runs it before the recipe examples.
//
// - A ```ts / ```tsx block is compiled with tsc, strict, `jwt-tab-session*` mapped to src/.
//   Blocks under the same `##` heading of a file share a directory: a block whose first line is
//   `// name.tsx` (or `// app/page.tsx`) is written under that name, so the next block can
//   `import { x } from './name'`. Any section may import `./auth`, `./LoginForm` and `./Account`:
//   the quickstart's files (examples/recipes/quickstart/) fill in what a section does not define.
// - A block right after `<!-- example: examples/recipes/… -->` must equal that file, which the
//   recipe examples run in `npm test` (examples/recipes/vitest.config.ts).
// - ```tsx ignore (or ```ts ignore) skips a block: keep it for what cannot compile on its own.
// - Relative links to files must exist, and `#anchors` must name a heading of their file.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SOURCE } from '../../scripts/entries.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const out = join(root, 'node_modules/.cache/docs-check') // under node_modules: imports resolve like the repo's own
const quickstart = join(root, 'examples/recipes/quickstart')
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
]

const problems = []
const slug = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')

/** Headings' anchors of a Markdown file, numbered like GitHub numbers repeats. */
function anchors(text) {
  const seen = new Map()
  const result = new Set()
  let fenced = false
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line)
    if (!m) continue
    const base = slug(m[1])
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    result.add(n === 0 ? base : `${base}-${n}`)
  }
  return result
}

/** The code blocks of a Markdown file, with their section and line. */
function blocks(text) {
  const lines = text.split('\n')
  const found = []
  let section = 'top'
  for (let i = 0; i < lines.length; i++) {
    const heading = /^##\s+(.*)$/.exec(lines[i])
    if (heading) section = slug(heading[1])
    const open = /^```(\w*)\s*(.*)$/.exec(lines[i])
    if (!open) continue
    const start = i + 1
    let end = start
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++
    let before = i - 1
    while (before >= 0 && lines[before].trim() === '') before--
    const example = /^<!--\s*example:\s*(\S+)\s*-->$/.exec(lines[before]?.trim() ?? '')?.[1]
    found.push({ lang: open[1], flags: open[2].split(/\s+/), section, line: start + 1, code: lines.slice(start, end).join('\n'), example })
    i = end
  }
  return found
}

rmSync(out, { recursive: true, force: true })
const generated = new Map() // generated file → { doc, line }
const files = []
let count = 0

for (const doc of docs) {
  const text = readFileSync(join(root, doc), 'utf8')

  // links
  const outside = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '')
  for (const [, target] of outside.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue
    const [path, anchor] = target.split('#')
    const file = path ? resolve(dirname(join(root, doc)), path) : join(root, doc)
    if (!existsSync(file)) problems.push(`${doc}: link to a missing file: ${target}`)
    else if (anchor && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
      problems.push(`${doc}: link to a missing heading: ${target}`)
    }
  }

  // code
  const names = new Set()
  for (const block of blocks(text)) {
    if (!['ts', 'tsx', 'typescript'].includes(block.lang) || block.flags.includes('ignore')) continue
    count++
    if (block.example) {
      const file = join(root, block.example)
      if (!existsSync(file)) problems.push(`${doc}:${block.line}: the example ${block.example} does not exist`)
      else if (readFileSync(file, 'utf8').trimEnd() !== block.code.trimEnd()) {
        problems.push(`${doc}:${block.line}: this block differs from ${block.example}; copy one into the other`)
      }
      continue
    }
    const named = /^\/\/\s*([\w@./-]+\.(?:tsx?|d\.ts))\b/.exec(block.code)?.[1]
    const name = named ?? `snippet-${block.line}.${block.lang === 'ts' ? 'ts' : 'tsx'}`
    const dir = join(out, basename(doc, '.md'), block.section)
    const key = join(dir, name)
    if (names.has(key)) problems.push(`${doc}:${block.line}: a second block named ${name} under the same heading`)
    names.add(key)
    mkdirSync(dirname(key), { recursive: true })
    // A module even without imports, so two blocks' top-level names never collide.
    writeFileSync(key, `${block.code}\nexport {}\n`)
    generated.set(key, { doc, line: block.line })
    files.push(key)
  }
}

// The quickstart's files, for the sections that import them without defining them.
const sections = new Set(
  files.map((f) =>
    dirname(f)
      .split('/')
      .slice(0, out.split('/').length + 2)
      .join('/'),
  ),
)
for (const dir of sections) {
  for (const file of readdirSync(quickstart)) {
    const target = join(dir, file)
    if (!/\.tsx?$/.test(file) || file === 'main.tsx' || existsSync(target)) continue
    writeFileSync(target, readFileSync(join(quickstart, file)))
    files.push(target)
  }
}

writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        module: 'ESNext',
        moduleResolution: 'Bundler',
        jsx: 'react-jsx',
        strict: true,
        noUncheckedIndexedAccess: true,
        isolatedModules: true,
        verbatimModuleSyntax: true,
        skipLibCheck: true,
        noEmit: true,
        incremental: true, // a second run rechecks only what changed
        tsBuildInfoFile: '../docs-check.tsbuildinfo',
        types: ['node'],
        // `jwt-tab-session*` resolve to src/ through package.json "exports", as in tsconfig.json.
        customConditions: [SOURCE],
      },
      files: [
        ...files.map((f) => relative(out, f)),
        relative(out, join(root, 'docs/check/stubs.d.ts')),
        ...readdirSync(join(root, 'examples/recipes'), { recursive: true })
          .filter((f) => /\.tsx?$/.test(f))
          .map((f) => relative(out, join(root, 'examples/recipes', f))),
      ],
    },
    null,
    2,
  ),
)

const tsc = spawnSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(out, 'tsconfig.json'), '--pretty', 'false'],
  {
    cwd: root,
    encoding: 'utf8',
  },
)
for (const line of `${tsc.stdout}${tsc.stderr}`.split('\n').filter(Boolean)) {
  // Point at the Markdown line: node_modules/.cache/docs-check/…/x.tsx(3,5) → README.md:57
  const m = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(line)
  const at = m && generated.get(resolve(root, m[1]))
  problems.push(at ? `${at.doc}:${at.line + Number(m[2]) - 1}:${m[3]}: ${m[4]}` : line)
}

if (problems.length > 0) {
  console.error(problems.join('\n'))
  console.error(`\ndocs check: ${problems.length} problem(s) in ${docs.length} files`)
  process.exit(1)
}
console.log(`docs check: ${count} TypeScript blocks in ${docs.length} files type-check; links resolve`)
