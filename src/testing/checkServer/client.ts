// A minimal client of the checked server: sign in, refresh, call the API, log out, the way the
// library's adapters do (JSON POSTs, `Authorization: Bearer` or `DPoP`, the cookies of one browser).
import type { ResolvedConfig } from './config'
import { applySetCookies, cookieHeader, type Jar } from './cookies'
import { sha256Base64url, type ProofKey } from './proof'
import { isSuccess, type Exchange, type Transport } from './transport'

/** What a session holds at one moment. Sending an old credential again is what a retry or a thief does. */
export interface Credential {
  accessToken: string
  /** Body mode; in cookie mode the refresh token is in `jar`. */
  refreshToken: string | undefined
  jar: Jar
}

export interface Answer extends Exchange {
  /** The new credential of a 2xx answer that carries an access token. */
  credential?: Credential
}

interface SendOptions {
  /** Sign with this key instead of the session's (DPoP). */
  key?: ProofKey
  /** Send this proof as it is, with no nonce retry (a replay probe). */
  proof?: string
  /** `Bearer` for a bound token: the server must refuse it. */
  scheme?: 'Bearer'
  /** Leave the cookies out: the token alone, as a thief who copied it would send it. */
  withoutCookies?: boolean
  headers?: Record<string, string>
}

const stringOf = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)

export interface ProbeClient {
  login(): Promise<Answer>
  refresh(credential: Credential, options?: SendOptions): Promise<Answer>
  api(credential: Credential, options?: SendOptions): Promise<Exchange>
  logout(credential: Credential): Promise<Exchange>
  /** A proof for the API with the session's key (DPoP), for sending twice; `nonce` replaces the server's. */
  apiProof(credential: Credential, nonce?: string): Promise<string>
  /** DPoP nonces the server challenged with and the checker answered. */
  nonceChallenges(): number
  /** The last `DPoP-Nonce` the server sent, if any. */
  lastNonce(): string | undefined
}

export function createProbeClient(config: ResolvedConfig, transport: Transport, key: ProofKey | undefined): ProbeClient {
  let nonce: string | undefined
  let challenges = 0
  /** Server time minus this machine's, from the `Date` header: proofs are dated by the server's clock. */
  let offsetMs = 0

  function learn(exchange: Exchange): void {
    nonce = exchange.headers.get('dpop-nonce') ?? nonce
    const date = Date.parse(exchange.headers.get('date') ?? '')
    if (Number.isFinite(date)) offsetMs = Math.abs(date - Date.now()) > 10_000 ? date - Date.now() : 0
  }

  async function proof(url: string, method: string, signer: ProofKey, accessToken?: string, withNonce = nonce): Promise<string> {
    const htu = new URL(url)
    htu.search = ''
    htu.hash = ''
    const ath = accessToken === undefined ? undefined : await sha256Base64url(accessToken)
    const iat = Math.floor((Date.now() + offsetMs) / 1000)
    return signer.sign({ htm: method, htu: htu.href, iat, ...(ath ? { ath } : {}), ...(withNonce ? { nonce: withNonce } : {}) })
  }

  const challenged = (exchange: Exchange) =>
    exchange.body?.error === 'use_dpop_nonce' || /error="?use_dpop_nonce/.test(exchange.headers.get('www-authenticate') ?? '')

  /** One request; in DPoP mode with a proof, and once more when the server challenges with a new nonce. */
  async function send(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    options: SendOptions,
    accessToken?: string,
  ) {
    const signer = options.key ?? key
    for (let attempt = 0; ; attempt++) {
      const sentNonce = nonce
      const dpop = options.proof ?? (signer && !options.scheme ? await proof(url, method, signer, accessToken) : undefined)
      const exchange = await transport.send(url, { method, headers: { ...headers, ...(dpop ? { dpop } : {}), ...options.headers }, body })
      learn(exchange)
      if (attempt > 0 || options.proof || !signer || !challenged(exchange) || nonce === sentNonce) return exchange
      challenges++
    }
  }

  const authorization = (credential: Credential, options: SendOptions) => ({
    authorization: `${key && !options.scheme ? 'DPoP' : 'Bearer'} ${credential.accessToken}`,
  })

  /** `jar`: the cookies the request went with, which the answer's Set-Cookie update. */
  function credentialOf(exchange: Exchange, jar: Jar): Credential | undefined {
    const accessToken = stringOf(exchange.body?.accessToken) ?? stringOf(exchange.body?.access_token)
    if (!isSuccess(exchange.status) || accessToken === undefined) return undefined
    const refreshToken = stringOf(exchange.body?.refreshToken) ?? stringOf(exchange.body?.refresh_token)
    return {
      accessToken,
      refreshToken: config.mode === 'body' ? refreshToken : undefined,
      jar: applySetCookies(jar, exchange.headers),
    }
  }

  const json = { 'content-type': 'application/json' }

  return {
    async login() {
      const { login, loginUrl } = config
      if (!login || !loginUrl) throw new TypeError('no login request configured')
      const exchange = await send(loginUrl, 'POST', { ...json, ...login.headers }, JSON.stringify(login.body), {})
      return { ...exchange, credential: credentialOf(exchange, new Map()) }
    },
    async refresh(credential, options = {}) {
      const body = config.mode === 'body' ? { refreshToken: credential.refreshToken } : {}
      const cookies = options.withoutCookies ? {} : cookieHeader(credential.jar)
      const exchange = await send(config.refreshUrl, 'POST', { ...json, ...cookies }, JSON.stringify(body), options)
      return { ...exchange, credential: credentialOf(exchange, credential.jar) }
    },
    api(credential, options = {}) {
      const cookies = options.withoutCookies ? {} : cookieHeader(credential.jar)
      return send(config.apiUrl, 'GET', { ...authorization(credential, options), ...cookies }, undefined, options, credential.accessToken)
    },
    logout(credential) {
      const body = config.mode === 'body' ? { refreshToken: credential.refreshToken } : {}
      const headers = { ...json, ...authorization(credential, {}), ...cookieHeader(credential.jar) }
      return send(config.logoutUrl, 'POST', headers, JSON.stringify(body), {}, credential.accessToken)
    },
    apiProof: (credential, stale) => proof(config.apiUrl, 'GET', key!, credential.accessToken, stale ?? nonce),
    nonceChallenges: () => challenges,
    lastNonce: () => nonce,
  }
}
