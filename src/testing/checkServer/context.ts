// What the probes share: the client, a way to open sessions, and the answers they saw, which the
// rules on headers (no-store, clock, cookies) and on refusals judge at the end.
import { jwtDecode } from 'jwt-decode'
import type { Credential, ProbeClient } from './client'
import type { ResolvedConfig } from './config'
import type { ProofKey } from './proof'
import { errorCode, type Exchange, type Transport } from './transport'

export interface Observed {
  /** Which probe sent it, for a detail line: `login`, `refresh`, `reuse of a spent token`. */
  probe: string
  exchange: Exchange
  /** The access token it carried, if any (kept in memory only). */
  accessToken?: string
}

export interface ProbeContext {
  config: ResolvedConfig
  client: ProbeClient
  /** For a request no client method makes (a preflight). */
  transport: Transport
  key: ProofKey | undefined
  /** A new session: a login, or the configured pair the first time; a string says why there is none. */
  newSession(): Promise<Credential | string>
  /** Login and refresh answers, refusals included. */
  tokenAnswers: Observed[]
  /** Answers to a refresh token that is dead by then (spent, revoked, unknown). */
  refusals: Observed[]
}

export function createContext(config: ResolvedConfig, client: ProbeClient, transport: Transport, key: ProofKey | undefined): ProbeContext {
  let pairUsed = false
  const context: ProbeContext = {
    config,
    client,
    transport,
    key,
    tokenAnswers: [],
    refusals: [],
    async newSession() {
      if (config.tokens) {
        if (pairUsed) return 'the configured pair is one session and this probe needs another: configure a login request'
        pairUsed = true
        const { accessToken, refreshToken, cookies = {} } = config.tokens
        return { accessToken, refreshToken, jar: new Map(Object.entries(cookies)) }
      }
      const answer = await client.login()
      context.tokenAnswers.push({ probe: 'login', exchange: answer, accessToken: answer.credential?.accessToken })
      if (answer.credential) return answer.credential
      return `the sign-in answered ${answer.status}${errorCode(answer)}${answer.status < 300 ? ' without an access token' : ''}`
    },
  }
  return context
}

/** The claims of a JWT, or undefined for anything else. */
export function claimsOf(token: string | undefined): Record<string, unknown> | undefined {
  if (token === undefined) return undefined
  try {
    return jwtDecode<Record<string, unknown>>(token)
  } catch {
    return undefined
  }
}

/** A list for a detail line: `login, refresh`. */
export const listOf = (items: readonly string[]) => [...new Set(items)].join(', ')
