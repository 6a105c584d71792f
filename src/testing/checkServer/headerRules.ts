// What the answers' headers promise: no caching of tokens, a clock that agrees with itself, and
// CORS for the app's origin only.
import type { Credential } from './client'
import { FOREIGN_ORIGIN } from './cookieRules'
import { claimsOf, listOf, type ProbeContext } from './context'
import { cannot, fail, pass } from './report'
import type { RuleResult } from './types'

/** Date has a resolution of a second and iat is floored to one: 5 s is disagreement, not rounding. */
const CLOCK_TOLERANCE_S = 5

export function judgeNoStore(context: ProbeContext): RuleResult {
  if (context.tokenAnswers.length === 0) return cannot('no-store', 'no token answer was seen')
  const cacheable = context.tokenAnswers.filter(
    ({ exchange }) => !/(^|,)\s*no-store\s*(,|$)/i.test(exchange.headers.get('cache-control') ?? ''),
  )
  if (cacheable.length > 0) {
    return fail(
      'no-store',
      `no Cache-Control: no-store on ${listOf(cacheable.map(({ probe, exchange }) => `${probe} (${exchange.status})`))}`,
    )
  }
  return pass('no-store', `on all ${context.tokenAnswers.length} token answers`)
}

export function judgeClock(context: ProbeContext): RuleResult {
  const issued = context.tokenAnswers.find(({ accessToken }) => accessToken !== undefined)
  const claims = claimsOf(issued?.accessToken)
  if (!issued || !claims) return cannot('clock', 'no access token that is a JWT was issued')
  const { iat, exp } = claims
  if (typeof iat !== 'number' || typeof exp !== 'number') return fail('clock', 'the access token lacks a numeric iat or exp')
  if (iat > 1e11 || exp > 1e11) return fail('clock', 'iat or exp is in milliseconds, not seconds')
  if (exp <= iat) return fail('clock', 'exp is not after iat')
  const date = Date.parse(issued.exchange.headers.get('date') ?? '')
  if (!Number.isFinite(date)) return fail('clock', `the ${issued.probe} answer has no readable Date header`)
  const apart = Math.round(iat - date / 1000)
  const local = Math.round((date - Date.now()) / 1000)
  // Date is floored to its second: 2 s apart may be rounding.
  const here =
    Math.abs(local) <= 2
      ? 'this machine’s clock agrees with the server’s'
      : `this machine’s clock is ${Math.abs(local)} s ${local > 0 ? 'behind' : 'ahead of'} the server’s`
  if (Math.abs(apart) > CLOCK_TOLERANCE_S)
    return fail('clock', `iat is ${Math.abs(apart)} s ${apart > 0 ? 'after' : 'before'} the Date header (${here})`)
  return pass('clock', `iat and Date ${apart === 0 ? 'agree' : `are ${Math.abs(apart)} s apart`}; ${here}`)
}

const exposes = (headers: Headers, name: string) =>
  (headers.get('access-control-expose-headers') ?? '').split(',').some((item) => item.trim().toLowerCase() === name.toLowerCase())

/** An API answer and a refresh preflight for the app's origin; an API answer for another. */
export async function probeCors(context: ProbeContext, session: Credential): Promise<RuleResult> {
  const { appOrigin, dpop, refreshUrl } = context.config
  if (appOrigin === undefined) return cannot('cors', 'no appOrigin in the config (an app on the server’s own origin needs no CORS)')
  const problems: string[] = []
  const allowed = await context.client.api(session, { headers: { origin: appOrigin } })
  if (
    allowed.headers.get('access-control-allow-origin') !== appOrigin ||
    allowed.headers.get('access-control-allow-credentials') !== 'true'
  ) {
    problems.push(`the API does not answer ${appOrigin} with its origin and credentials`)
  }
  for (const name of ['WWW-Authenticate', ...(dpop ? ['DPoP-Nonce'] : [])]) {
    if (!exposes(allowed.headers, name)) problems.push(`${name} is not exposed to ${appOrigin}`)
  }
  const preflight = await context.transport.send(refreshUrl, {
    method: 'OPTIONS',
    headers: {
      origin: appOrigin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': dpop ? 'content-type, dpop' : 'content-type',
    },
  })
  if (preflight.status >= 300 || preflight.headers.get('access-control-allow-origin') !== appOrigin) {
    problems.push(
      `the refresh preflight from ${appOrigin} got ${preflight.status}${preflight.headers.has('access-control-allow-origin') ? '' : ' without Access-Control-Allow-Origin'}`,
    )
  }
  const foreign = await context.client.api(session, { headers: { origin: FOREIGN_ORIGIN } })
  const granted = foreign.headers.get('access-control-allow-origin')
  if (granted === FOREIGN_ORIGIN || granted === '*')
    problems.push(`the API answers ${FOREIGN_ORIGIN} with Access-Control-Allow-Origin: ${granted}`)
  if (problems.length > 0) return fail('cors', listOf(problems))
  return pass('cors', `${appOrigin} answered with credentials (preflight ${preflight.status}); ${FOREIGN_ORIGIN} got no CORS headers`)
}
