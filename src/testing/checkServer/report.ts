// The rules in the order they are printed, what each promises, and what a user of the library sees
// when a server breaks it. One line per rule; no line ever quotes a token or a response body.
import type { RuleId, RuleResult, RuleStatus } from './types'

interface RuleText {
  title: string
  impact: string
}

export const RULES: Record<RuleId, RuleText> = {
  rotation: {
    title: 'each refresh answers a new refresh token',
    impact: 'a refresh token copied once (a log, a proxy, malware) works for the whole session, and its theft can never be detected',
  },
  'reuse-detection': {
    title: 'a spent refresh token presented again revokes its whole family',
    impact: 'a stolen refresh token keeps working beside the user’s own, and nothing ever signs the thief out',
  },
  'grace-retry': {
    title: 'a retry of the last refresh token within the grace window gets the same pair',
    impact: 'a refresh whose answer is lost (a dropped connection, a tab frozen mid-refresh) signs the user out in every tab',
  },
  'refusal-status': {
    title: 'a dead refresh token is refused with 400, 401 or 403',
    impact:
      'the client takes a 5xx or 429 for a passing failure: a user whose session has ended stays on a page whose requests fail, retried with backoff, instead of seeing the sign-in',
  },
  'session-cookies': {
    title: 'the session cookies are HttpOnly, SameSite, Secure (except on loopback), and the token is refused without them',
    impact: 'a token read out of the page (XSS, a log, a browser extension) works from any other browser',
  },
  csrf: {
    title: 'a cross-site text/plain POST and a foreign Origin are refused (cookie mode)',
    impact: 'another site, or a sibling subdomain, can make the user’s browser refresh or end the session with its cookies',
  },
  'session-lifetime': {
    title: 'the session has an absolute lifetime: auth_time stays the sign-in’s through every refresh',
    impact: 'rotation extends the session for ever: a stolen session never ends, and step-up and maxSessionAge count from the wrong time',
  },
  'no-store': {
    title: 'token answers carry Cache-Control: no-store',
    impact: 'a proxy or the browser cache may keep an answer with tokens and hand it out again, to another user or after sign-out',
  },
  clock: {
    title: 'the Date header and the tokens’ iat agree (within 5 s), in seconds',
    impact:
      'the client measures its clock skew from iat: refreshes come at the wrong time, and a DPoP client is refused for proofs dated by a wrong clock',
  },
  cors: {
    title: 'CORS with credentials answers the app’s origin, and no other',
    impact:
      'either the app on its origin cannot read any answer (sign-in and refresh fail in the browser), or any site can read answers made with the user’s cookies',
  },
  dpop: {
    title: 'DPoP: tokens bound to the key, proofs checked (scheme, replay, key), nonces answered',
    impact: 'a token copied out of the browser works without the key: DPoP protects nothing',
  },
  logout: {
    title: 'logout revokes the session’s refresh token',
    impact: 'signing out does not end the session: a copied refresh token keeps working after the user signed out',
  },
}

export const RULE_ORDER = Object.keys(RULES) as RuleId[]

export const pass = (rule: RuleId, detail: string): RuleResult => ({ rule, status: 'pass', detail })
export const fail = (rule: RuleId, detail: string): RuleResult => ({ rule, status: 'fail', detail, impact: RULES[rule].impact })
export const cannot = (rule: RuleId, detail: string): RuleResult => ({ rule, status: 'could not check', detail })

const LABEL: Record<RuleStatus, string> = { pass: 'pass', fail: 'FAIL', 'could not check': 'could not check' }

/** `pass  rotation  each refresh …: detail`; a failure adds what users would see. */
export function formatLine(result: RuleResult): string {
  const head = `${LABEL[result.status].padEnd(16)}${result.rule.padEnd(17)}`
  const text = `${RULES[result.rule].title} — ${result.detail}`
  return result.impact ? `${head}${text}. Users: ${result.impact}.` : `${head}${text}`
}

export function formatNotice(origin: string, account: string, maxRequests: number): string {
  return (
    `Checking ${origin} as ${account}. This revokes that account's refresh tokens (every session the check opens is ` +
    `logged out, one is ended by a reuse probe): use a test account. At most ${maxRequests} requests, to ${origin} only.`
  )
}

export function formatSummary(results: readonly RuleResult[], requests: number, durationMs: number): string {
  const count = (status: RuleStatus) => results.filter((result) => result.status === status).length
  return `${count('pass')} passed, ${count('fail')} failed, ${count('could not check')} could not be checked (${requests} requests, ${(durationMs / 1000).toFixed(1)} s)`
}
