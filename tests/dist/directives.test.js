// @vitest-environment node
/* global URL */
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = new URL('../../dist/', import.meta.url)

/** The directive prologue of a built file: its leading string-literal statements. */
function prologue(file) {
  const source = ts.createSourceFile(file, readFileSync(new URL(file, root), 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.JS)
  const found = []
  for (const statement of source.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isStringLiteral(statement.expression)) break
    found.push(statement.expression.text)
  }
  return found
}

describe("'use client' in the built entries", () => {
  it.each(['index.mjs', 'index.cjs', 'react-query.mjs', 'react-query.cjs', 'testing.mjs', 'testing.cjs'])('is the first statement of dist/%s', (file) => {
    expect(prologue(file)[0]).toBe('use client')
  })

  const SERVER_ENTRIES = ['core', 'axios', 'testing-server', 'testing-node', 'testing-playwright'].flatMap((name) => [`${name}.mjs`, `${name}.cjs`])

  it.each(SERVER_ENTRIES)('is absent from dist/%s, which servers and test runners import', (file) => {
    expect(prologue(file)).not.toContain('use client')
  })
})
