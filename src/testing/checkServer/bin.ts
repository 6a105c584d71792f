#!/usr/bin/env node
// The package's bin (`npx jwt-tab-session check-server <base-url>`), built to dist/cli.mjs.
import { readFile } from 'node:fs/promises'
import { runCli } from './cli'

runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readFile: (path) => readFile(path, 'utf8'),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    // Its class only: a message could quote an answer.
    process.stderr.write(`check-server stopped: ${error instanceof Error ? error.name : 'an error'}\n`)
    process.exitCode = 2
  },
)
