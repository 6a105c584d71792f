// `checkServer(config)`: the server contract (docs/server-contract.md) run as probes against a
// live auth server, one result per rule. Sessions: the main one (cookies, DPoP, rotation, CSRF,
// CORS, logout), one for the grace window, one the reuse probe revokes.
import { createProbeClient, type Credential } from './client'
import { resolveConfig } from './config'
import { createContext, type ProbeContext } from './context'
import { probeCsrf, probeSessionCookies } from './cookieRules'
import { probeDpop } from './dpopRules'
import { judgeClock, judgeNoStore, probeCors } from './headerRules'
import { createProofKey } from './proof'
import { probeGrace, probeLogout, probeRefusals, probeReuse, probeRotation } from './refreshRules'
import { RULE_ORDER, cannot, formatLine, formatNotice, formatSummary } from './report'
import { CheckServerError, type CheckServerConfig, type CheckServerResult, type RuleId, type RuleResult } from './types'
import { MAX_REQUESTS, createTransport } from './transport'

export { CheckServerError, MAX_REQUESTS }
export type {
  CheckServerConfig,
  CheckServerErrorCode,
  CheckServerLogin,
  CheckServerMode,
  CheckServerResult,
  CheckServerTokens,
  RuleId,
  RuleResult,
  RuleStatus,
} from './types'

/** Why a probe stopped, for its rules' lines: the error's class and code, never its message. */
function stopped(error: unknown): string {
  if (error instanceof CheckServerError) return error.message.replace(/^checkServer: /, '')
  const name = error instanceof Error ? error.name : 'an error'
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code
  return `the probe stopped: ${name}${typeof code === 'string' ? ` (${code})` : ''}`
}

/** The account the notice names: the login body's user name, never its password. */
function accountOf(config: CheckServerConfig): string {
  const body = config.login?.body ?? {}
  const name = ['username', 'email', 'login', 'user'].map((key) => body[key]).find((value) => typeof value === 'string')
  return typeof name === 'string' ? `"${name}"` : config.tokens ? 'the account of the given tokens' : 'the configured account'
}

export async function checkServer(config: CheckServerConfig): Promise<CheckServerResult> {
  const started = Date.now()
  const resolved = resolveConfig(config) // throws before anything is sent
  const print = config.print ?? (() => {})
  const lines = [formatNotice(resolved.origin, accountOf(config), resolved.maxRequests)]
  print(lines[0]!)

  const transport = createTransport(resolved.origin, resolved.maxRequests)
  const key = resolved.dpop ? await createProofKey() : undefined
  const context = createContext(resolved, createProbeClient(resolved, transport, key), transport, key)
  const results = new Map<RuleId, RuleResult>()
  const record = (...found: RuleResult[]) => found.forEach((result) => results.set(result.rule, result))

  /** Runs a probe; if it throws, its rules that have no result yet could not be checked. */
  async function step(rules: RuleId[], probe: () => Promise<void>): Promise<void> {
    try {
      await probe()
    } catch (error) {
      for (const rule of rules) if (!results.has(rule)) record(cannot(rule, stopped(error)))
    }
  }

  // Known once the main session's first refresh is in, even if that session's later probes stop.
  const server = { rotates: false }
  await step(['session-cookies', 'dpop', 'rotation', 'session-lifetime', 'csrf', 'cors', 'logout'], () =>
    mainSession(context, record, server),
  )
  await step(['grace-retry'], async () => record(await probeGrace(context, server.rotates)))
  await step(['reuse-detection'], async () => record(await probeReuse(context, server.rotates)))
  await step(['refusal-status'], async () => record(await probeRefusals(context)))
  record(judgeNoStore(context), judgeClock(context))

  const ordered = RULE_ORDER.map((rule) => results.get(rule) ?? cannot(rule, 'not reached'))
  for (const result of ordered) {
    const line = formatLine(result)
    lines.push(line)
    print(line)
  }
  const durationMs = Date.now() - started
  lines.push(formatSummary(ordered, transport.count(), durationMs))
  print(lines[lines.length - 1]!)
  return { results: ordered, lines, ok: ordered.every((result) => result.status !== 'fail'), requests: transport.count(), durationMs }
}

/** The main session, start to logout. */
async function mainSession(context: ProbeContext, record: (...results: RuleResult[]) => void, server: { rotates: boolean }): Promise<void> {
  const session = await context.newSession()
  if (typeof session === 'string') {
    record(
      ...(['session-cookies', 'dpop', 'rotation', 'session-lifetime', 'csrf', 'cors', 'logout'] as const).map((rule) =>
        cannot(rule, session),
      ),
    )
    return
  }
  const apiWorks = await context.client.api(session)
  const rotation = await probeRotation(context, session)
  record(...rotation.results)
  server.rotates = rotation.rotates
  let latest: Credential = rotation.latest
  // After a refresh, so that the cookies it sets are judged too.
  record(await probeSessionCookies(context, latest, apiWorks))
  const dpop = await probeDpop(context, latest, apiWorks)
  record(dpop.result)
  const csrf = await probeCsrf(context, dpop.latest)
  record(csrf.result)
  latest = csrf.latest
  record(await probeCors(context, latest))
  record(await probeLogout(context, latest))
}
