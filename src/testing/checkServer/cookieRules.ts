// The session cookies (fingerprint, cookie-mode refresh token) and the CSRF guard of the endpoints
// that act on them.
import type { Credential } from './client'
import { listOf, type ProbeContext } from './context'
import { parseSetCookie } from './cookies'
import { cannot, fail, pass } from './report'
import { errorCode, isSuccess, type Exchange } from './transport'
import type { RuleResult } from './types'

/** An origin no server can list: a page on another site. */
export const FOREIGN_ORIGIN = 'https://cross-site.invalid'

/** Attributes of every cookie the token answers set, and the API without the cookies. */
export async function probeSessionCookies(context: ProbeContext, session: Credential, apiWorks: Exchange): Promise<RuleResult> {
  const set = context.tokenAnswers
    .filter(({ exchange }) => isSuccess(exchange.status))
    .flatMap(({ exchange }) => exchange.headers.getSetCookie().map(parseSetCookie))
    .filter((cookie) => cookie !== undefined && !cookie.cleared)
  const problems: string[] = []
  for (const cookie of set) {
    if (!cookie) continue
    if (!cookie.httpOnly) problems.push(`${cookie.name} is not HttpOnly`)
    if (cookie.sameSite !== 'strict' && cookie.sameSite !== 'lax')
      problems.push(`${cookie.name} has ${cookie.sameSite ? `SameSite=${cookie.sameSite}` : 'no SameSite'}`)
    if (!cookie.secure && !context.config.loopback) problems.push(`${cookie.name} is not Secure`)
  }
  if (set.length === 0 && session.jar.size === 0) {
    return fail('session-cookies', 'no cookie was set: the access token is bound to no browser (the fingerprint cookie)')
  }
  if (problems.length > 0) return fail('session-cookies', listOf(problems))
  if (!isSuccess(apiWorks.status))
    return cannot('session-cookies', `the API answered ${apiWorks.status}${errorCode(apiWorks)} to a fresh access token`)
  const bare = await context.client.api(session, { withoutCookies: true })
  if (isSuccess(bare.status)) return fail('session-cookies', `the API answered ${bare.status} to the access token sent without the cookies`)
  const names = listOf(set.map((cookie) => cookie!.name))
  return pass('session-cookies', `${names || 'the given cookies'}: attributes fine; the token alone got ${bare.status}`)
}

export interface CsrfOutcome {
  result: RuleResult
  latest: Credential
}

/** Cookie mode: a text/plain POST and a foreign Origin at the refresh endpoint, with the session's cookies. */
export async function probeCsrf(context: ProbeContext, session: Credential): Promise<CsrfOutcome> {
  if (context.config.mode !== 'cookie') {
    const detail = 'body mode: the refresh token travels in a JSON body no other site can send; set mode "cookie" to probe'
    return { result: cannot('csrf', detail), latest: session }
  }
  let latest = session
  const attempts: Array<[string, Record<string, string>]> = [
    ['a text/plain POST', { 'content-type': 'text/plain;charset=UTF-8', origin: context.config.origin }],
    [`a POST from ${FOREIGN_ORIGIN}`, { origin: FOREIGN_ORIGIN }],
  ]
  const accepted: string[] = []
  const refusedWith: string[] = []
  for (const [name, headers] of attempts) {
    const answer = await context.client.refresh(latest, { headers })
    if (answer.credential) {
      accepted.push(`${name} refreshed the session (${answer.status})`)
      latest = answer.credential
    } else refusedWith.push(`${name}: ${answer.status}${errorCode(answer)}`)
  }
  const result = accepted.length > 0 ? fail('csrf', listOf(accepted)) : pass('csrf', listOf(refusedWith))
  return { result, latest }
}
