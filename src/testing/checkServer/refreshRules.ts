// Rotation, the grace window, reuse detection, refusal statuses, the absolute lifetime and logout:
// what the server does with refresh tokens over a session's life.
import type { Credential } from './client'
import { claimsOf, listOf, type ProbeContext } from './context'
import { cannot, fail, pass } from './report'
import { errorCode, isSuccess, type Exchange } from './transport'
import type { RuleResult } from './types'

const REFUSAL_STATUSES = new Set([400, 401, 403])
const AUTH_TIME_STEP_MS = 1000

const describe = (exchange: Exchange) => `${exchange.status}${errorCode(exchange)}`

/** Whether `next` holds another refresh token than `previous`: the body's, or in cookie mode a cookie's value. */
function rotated(previous: Credential, next: Credential): boolean {
  if (previous.refreshToken !== undefined || next.refreshToken !== undefined) {
    return next.refreshToken !== undefined && next.refreshToken !== previous.refreshToken
  }
  return [...next.jar].some(([name, value]) => previous.jar.get(name) !== value)
}

/** Same refresh token, and in cookie mode the same cookies. */
function samePair(a: Credential, b: Credential): boolean {
  if (a.refreshToken !== b.refreshToken || a.jar.size !== b.jar.size) return false
  return [...a.jar].every(([name, value]) => b.jar.get(name) === value)
}

/** One refresh whose answer counts as a token answer. */
async function refresh(context: ProbeContext, credential: Credential, probe: string) {
  const answer = await context.client.refresh(credential)
  context.tokenAnswers.push({ probe, exchange: answer, accessToken: answer.credential?.accessToken })
  return answer
}

/** A refresh with a token that should be dead: it is a refusal, and a token answer. */
async function refused(context: ProbeContext, credential: Credential, probe: string) {
  const answer = await refresh(context, credential, probe)
  context.refusals.push({ probe, exchange: answer })
  return answer
}

export interface RotationOutcome {
  results: RuleResult[]
  /** The session's credential now. */
  latest: Credential
  /** The server rotates: the grace and reuse probes mean something. */
  rotates: boolean
}

/** The first refresh of a session: a new refresh token, and the same `auth_time`. */
export async function probeRotation(context: ProbeContext, session: Credential): Promise<RotationOutcome> {
  // auth_time is in seconds: a refresh in the sign-in's second could not show a session restarted by it.
  await new Promise((resolve) => setTimeout(resolve, AUTH_TIME_STEP_MS))
  const answer = await refresh(context, session, 'refresh')
  if (!answer.credential) {
    const detail = `the first refresh of a fresh session answered ${describe(answer)}`
    return { results: [fail('rotation', detail), cannot('session-lifetime', detail)], latest: session, rotates: false }
  }
  const next = answer.credential
  const rotates = rotated(session, next)
  const rotation = rotates
    ? pass('rotation', 'the refresh answered a new refresh token')
    : fail(
        'rotation',
        `the refresh answered ${next.refreshToken === undefined && session.refreshToken !== undefined ? 'no refresh token' : 'the same refresh token'}`,
      )

  const before = claimsOf(session.accessToken)?.auth_time
  const after = claimsOf(next.accessToken)?.auth_time
  let lifetime: RuleResult
  if (typeof before !== 'number' || typeof after !== 'number') {
    lifetime = cannot(
      'session-lifetime',
      'the access tokens carry no numeric auth_time, so the session’s start cannot be seen from outside',
    )
  } else if (before !== after) {
    lifetime = fail('session-lifetime', `auth_time moved by ${after - before} s on a refresh: the session restarts with each rotation`)
  } else {
    lifetime = pass('session-lifetime', 'auth_time unchanged by the refresh')
  }
  return { results: [rotation, lifetime], latest: next, rotates }
}

/** A second presentation of a just-rotated token, from the same browser, before its successor is used. */
export async function probeGrace(context: ProbeContext, rotates: boolean): Promise<RuleResult> {
  if (!rotates) return cannot('grace-retry', 'the server does not rotate (see rotation)')
  const session = await context.newSession()
  if (typeof session === 'string') return cannot('grace-retry', session)
  const first = await refresh(context, session, 'refresh')
  if (!first.credential) return cannot('grace-retry', `the first refresh answered ${describe(first)}`)
  const retry = await refresh(context, session, 'retried refresh')
  const latest = retry.credential ?? first.credential
  await context.client.logout(latest)
  if (!retry.credential) return fail('grace-retry', `the retry, a second after the first, answered ${describe(retry)}`)
  if (!samePair(first.credential, retry.credential)) {
    return {
      ...fail('grace-retry', 'the retry got a new pair, not the one the server had just issued'),
      impact:
        'each lost answer starts a second live token chain in the session, so a thief’s copy of the lost pair stays usable beside the user’s',
    }
  }
  return pass('grace-retry', 'the retry got the very same pair')
}

/** t0 → t1 → t2, then t0 again: refused, and t2 must be dead too. */
export async function probeReuse(context: ProbeContext, rotates: boolean): Promise<RuleResult> {
  if (!rotates) return cannot('reuse-detection', 'the server does not rotate (see rotation)')
  const session = await context.newSession()
  if (typeof session === 'string') return cannot('reuse-detection', session)
  const first = await refresh(context, session, 'refresh')
  const second = first.credential && (await refresh(context, first.credential, 'refresh'))
  if (!first.credential || !second?.credential) {
    return cannot('reuse-detection', `two refreshes in a row answered ${describe(second ?? first)}`)
  }
  const reuse = await refused(context, session, 'reuse of a spent token')
  if (reuse.credential) {
    await context.client.logout(second.credential)
    return fail('reuse-detection', `a token spent two rotations ago was accepted (${reuse.status})`)
  }
  const newest = await refused(context, second.credential, 'refresh after a reuse')
  if (newest.credential) {
    await context.client.logout(newest.credential)
    return fail(
      'reuse-detection',
      `the spent token was refused (${describe(reuse)}) but the family lives on: its newest token still refreshes`,
    )
  }
  return pass('reuse-detection', `the spent token got ${describe(reuse)}, then the family’s newest one ${describe(newest)}`)
}

/** Logout, then the session's refresh token must be dead. */
export async function probeLogout(context: ProbeContext, session: Credential): Promise<RuleResult> {
  const logout = await context.client.logout(session)
  if (!isSuccess(logout.status)) return fail('logout', `logout answered ${describe(logout)}`)
  const after = await refused(context, session, 'refresh after logout')
  if (after.credential) {
    await context.client.logout(after.credential)
    return fail('logout', `logout answered ${logout.status}, and the session’s refresh token still refreshed (${after.status})`)
  }
  return pass('logout', `logout answered ${logout.status}; the refresh token then got ${describe(after)}`)
}

/** An unknown token (body mode) or no cookie (cookie mode), then every refusal seen in the run. */
export async function probeRefusals(context: ProbeContext): Promise<RuleResult> {
  const unknown = `unknown-${crypto.randomUUID()}`
  const probe = context.config.mode === 'body' ? 'an unknown refresh token' : 'a refresh without the cookie'
  await refused(context, { accessToken: '', refreshToken: unknown, jar: new Map() }, probe)
  const last = context.refusals[context.refusals.length - 1]
  // A dead token accepted is the failure of its own rule (reuse, logout); an unknown one accepted is this one's.
  const wrong = context.refusals.filter(
    ({ exchange }) => !REFUSAL_STATUSES.has(exchange.status) && (!isSuccess(exchange.status) || exchange === last?.exchange),
  )
  if (wrong.length > 0) {
    return fail('refusal-status', `${listOf(wrong.map(({ probe: name, exchange }) => `${name}: ${describe(exchange)}`))}`)
  }
  return pass(
    'refusal-status',
    `${listOf(context.refusals.map(({ exchange }) => String(exchange.status)))} to ${context.refusals.length} dead tokens`,
  )
}
