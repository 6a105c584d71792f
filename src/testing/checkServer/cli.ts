// `jwt-tab-session check-server <base-url> --config <file.json>`: the arguments and the config file,
// then `checkServer`. Exit code 0 when no rule failed, 1 when one did, 2 for a usage or config error.
import { CheckServerError, checkServer, type CheckServerConfig } from './index'

export interface CliIo {
  out(line: string): void
  err(line: string): void
  readFile(path: string): Promise<string>
  env: Record<string, string | undefined>
}

export const USAGE = `Usage: jwt-tab-session check-server <base-url> [--config <file.json>] [--mode body|cookie] [--dpop] [--app-origin <origin>]

Runs the server contract of jwt-tab-session against your auth server: one line per rule.
The config file is JSON: { "login": { "url": "/auth/login", "body": { "username": "test", "password": "$CHECK_PASSWORD" } },
"refreshUrl": "/auth/refresh", "logoutUrl": "/auth/logout", "apiUrl": "/api/me", "mode": "body" }.
A string that is exactly $NAME is read from the environment variable NAME. See docs/check-server.md.`

const FLAGS_WITH_VALUE = new Set(['--config', '--mode', '--app-origin'])

/** Replaces every string `$NAME` in the config with the environment's NAME. */
function fromEnvironment(value: unknown, env: CliIo['env']): unknown {
  if (typeof value === 'string') {
    const name = /^\$([A-Z_][A-Z0-9_]*)$/.exec(value)?.[1]
    if (name === undefined) return value
    const found = env[name]
    if (found === undefined) throw new CheckServerError('invalid_config', `checkServer: the config names $${name}, which is not set`)
    return found
  }
  if (Array.isArray(value)) return value.map((item) => fromEnvironment(item, env))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fromEnvironment(item, env)]))
  }
  return value
}

function parseArgs(args: readonly string[]): { baseUrl?: string; flags: Map<string, string> } | string {
  const [command, ...rest] = args
  if (command !== 'check-server') return command === undefined || command === '--help' ? '' : `unknown command "${command}"`
  const flags = new Map<string, string>()
  let baseUrl: string | undefined
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    if (arg === '--help') return ''
    if (arg === '--dpop') flags.set(arg, 'true')
    else if (FLAGS_WITH_VALUE.has(arg)) {
      const value = rest[++i]
      if (value === undefined) return `${arg} needs a value`
      flags.set(arg, value)
    } else if (arg.startsWith('--')) return `unknown option ${arg}`
    else if (baseUrl === undefined) baseUrl = arg
    else return `unexpected argument "${arg}"`
  }
  return { baseUrl, flags }
}

export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args)
  if (typeof parsed === 'string') {
    if (parsed) io.err(parsed)
    io.err(USAGE)
    return parsed ? 2 : 0
  }
  const { baseUrl, flags } = parsed
  if (baseUrl === undefined) {
    io.err('check-server needs the base URL of your auth server')
    io.err(USAGE)
    return 2
  }
  try {
    const path = flags.get('--config')
    let file: Partial<CheckServerConfig> = {}
    if (path !== undefined) {
      let text: string
      try {
        text = await io.readFile(path)
      } catch {
        throw new CheckServerError('invalid_config', `checkServer: cannot read the config file ${path}`)
      }
      try {
        file = fromEnvironment(JSON.parse(text), io.env) as Partial<CheckServerConfig>
      } catch (error) {
        if (error instanceof CheckServerError) throw error
        throw new CheckServerError('invalid_config', `checkServer: the config file ${path} is not JSON`)
      }
    }
    const mode = flags.get('--mode') as CheckServerConfig['mode'] | undefined
    const appOrigin = flags.get('--app-origin')
    const config: CheckServerConfig = {
      ...file,
      baseUrl,
      ...(mode ? { mode } : {}),
      ...(flags.has('--dpop') ? { dpop: true } : {}),
      ...(appOrigin ? { appOrigin } : {}),
      print: io.out,
    }
    const result = await checkServer(config)
    return result.ok ? 0 : 1
  } catch (error) {
    if (!(error instanceof CheckServerError)) throw error
    io.err(`${error.message} [${error.code}]`)
    return 2
  }
}
