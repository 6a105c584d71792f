// DPoP (RFC 9449), for a server the config says speaks it: bound tokens, the proof checks a thief
// would meet, and nonces.
import type { Credential } from './client'
import { claimsOf, listOf, type ProbeContext } from './context'
import { createProofKey } from './proof'
import { cannot, fail, pass } from './report'
import { errorCode, isSuccess, type Exchange } from './transport'
import type { RuleResult } from './types'

export interface DpopOutcome {
  result: RuleResult
  latest: Credential
}

const challengedForNonce = (exchange: Exchange) =>
  exchange.status === 401 &&
  /error="?use_dpop_nonce/.test(exchange.headers.get('www-authenticate') ?? '') &&
  exchange.headers.has('dpop-nonce')

/**
 * Run after the rotation probe, on the session's current credential: its refresh token is live.
 * `apiWorks` is the API's answer to the fresh token with a good proof.
 */
export async function probeDpop(context: ProbeContext, session: Credential, apiWorks: Exchange): Promise<DpopOutcome> {
  const { key, client } = context
  if (!context.config.dpop || !key) return { result: cannot('dpop', 'the config does not claim DPoP'), latest: session }
  const problems: string[] = []
  const seen: string[] = []
  let latest = session

  const jkt = (claimsOf(session.accessToken)?.cnf as { jkt?: unknown } | undefined)?.jkt
  if (jkt !== key.thumbprint)
    problems.push(jkt === undefined ? 'the access token has no cnf.jkt' : 'cnf.jkt is not the proving key’s thumbprint')
  if (!isSuccess(apiWorks.status))
    problems.push(`the API answered ${apiWorks.status}${errorCode(apiWorks)} to a bound token with a good proof`)

  const bearer = await client.api(session, { scheme: 'Bearer' })
  if (isSuccess(bearer.status)) problems.push(`the bound token was accepted as Bearer, without a proof (${bearer.status})`)
  else seen.push(`Bearer ${bearer.status}`)

  const proof = await client.apiProof(session)
  const once = await client.api(session, { proof })
  const replay = await client.api(session, { proof })
  if (!isSuccess(once.status)) problems.push(`a fresh proof got ${once.status}${errorCode(once)}`)
  else if (isSuccess(replay.status)) problems.push(`the same proof was accepted twice (${replay.status})`)
  else seen.push(`replay ${replay.status}`)

  if (client.lastNonce() !== undefined) {
    const stale = await client.api(session, { proof: await client.apiProof(session, 'stale-nonce') })
    if (isSuccess(stale.status)) problems.push('a proof with a stale nonce was accepted')
    else if (!challengedForNonce(stale))
      problems.push(`a stale nonce got ${stale.status} without a use_dpop_nonce challenge and a DPoP-Nonce header`)
    else
      seen.push(
        `stale nonce challenged (${client.nonceChallenges()} challenge${client.nonceChallenges() === 1 ? '' : 's'} answered in the run)`,
      )
  } else seen.push('no nonces in use')

  const other = await client.refresh(session, { key: await createProofKey() })
  context.tokenAnswers.push({ probe: 'refresh with another key', exchange: other, accessToken: other.credential?.accessToken })
  if (other.credential) {
    problems.push(`a refresh proved by another key was answered (${other.status})`)
    latest = other.credential
  } else {
    seen.push(`another key's refresh ${other.status}${errorCode(other)}`)
    // The refused proof must have left the token unspent: the client counts on it.
    const own = await client.refresh(session)
    context.tokenAnswers.push({ probe: 'refresh', exchange: own, accessToken: own.credential?.accessToken })
    if (own.credential) latest = own.credential
    else
      problems.push(
        `after another key’s refused proof, the owner’s refresh got ${own.status}${errorCode(own)}: the refusal spent the token`,
      )
  }
  const result = problems.length > 0 ? fail('dpop', listOf(problems)) : pass('dpop', `bound to the key; ${listOf(seen)}`)
  return { result, latest }
}
