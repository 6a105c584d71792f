// The configuration, checked before any request: every URL the checker will send to must be on the
// base URL's origin, so a typo or a copied config can never send an account's password elsewhere.
import { MAX_REQUESTS } from './transport'
import { CheckServerError, type CheckServerConfig, type CheckServerLogin, type CheckServerMode, type CheckServerTokens } from './types'

export interface ResolvedConfig {
  origin: string
  /** `localhost`, 127.0.0.0/8 or ::1: plain http is fine, and cookies need no `Secure`. */
  loopback: boolean
  loginUrl: string | undefined
  login: CheckServerLogin | undefined
  tokens: CheckServerTokens | undefined
  refreshUrl: string
  logoutUrl: string
  apiUrl: string
  mode: CheckServerMode
  dpop: boolean
  appOrigin: string | undefined
  maxRequests: number
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === '[::1]'
}

function invalid(message: string): never {
  throw new CheckServerError('invalid_config', `checkServer: ${message}`)
}

/** `value` resolved against the base URL; a CheckServerError when it lands on another origin. */
function sameOriginUrl(name: string, value: string | undefined, fallback: string, base: URL): string {
  const text = value ?? fallback
  if (typeof text !== 'string' || !URL.canParse(text, base)) invalid(`${name} is not a URL or path`)
  const url = new URL(text, base)
  if (url.origin !== base.origin) {
    throw new CheckServerError(
      'foreign_origin',
      `checkServer: ${name} (${url.origin}) is not on the base URL's origin (${base.origin}); the checker sends nothing anywhere else`,
    )
  }
  return url.href
}

export function resolveConfig(config: CheckServerConfig): ResolvedConfig {
  if (typeof config !== 'object' || config === null) invalid('the config must be an object')
  const { baseUrl } = config
  if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl)) invalid('baseUrl must be an absolute http(s) URL')
  const base = new URL(baseUrl)
  if (base.protocol !== 'https:' && base.protocol !== 'http:') invalid('baseUrl must be an absolute http(s) URL')
  const loopback = isLoopback(base.hostname)
  if (base.protocol === 'http:' && !loopback) {
    throw new CheckServerError(
      'insecure_origin',
      `checkServer: ${base.origin} is plain http; only this machine may be checked without https`,
    )
  }
  if (!config.login === !config.tokens) invalid('give either login (a login request) or tokens (a ready pair)')
  if (config.login && (typeof config.login.body !== 'object' || config.login.body === null)) invalid('login.body must be an object')
  if (config.tokens && typeof config.tokens.accessToken !== 'string') invalid('tokens.accessToken must be a string')
  const mode = config.mode ?? 'body'
  if (mode !== 'body' && mode !== 'cookie') invalid('mode must be "body" or "cookie"')
  if (mode === 'body' && config.tokens && typeof config.tokens.refreshToken !== 'string')
    invalid('tokens.refreshToken is needed in body mode')
  if (config.tokens && config.dpop) invalid('a ready pair cannot be checked with DPoP: the key that proves it stays with its client')
  const { maxRequests = MAX_REQUESTS } = config
  if (!Number.isInteger(maxRequests) || maxRequests < 1 || maxRequests > MAX_REQUESTS)
    invalid(`maxRequests must be an integer from 1 to ${MAX_REQUESTS}`)
  let appOrigin: string | undefined
  if (config.appOrigin !== undefined) {
    const app = URL.canParse(config.appOrigin) ? new URL(config.appOrigin) : undefined
    if (!app || (app.protocol !== 'https:' && app.protocol !== 'http:')) invalid('appOrigin must be an http(s) origin')
    appOrigin = app.origin
  }
  return {
    origin: base.origin,
    loopback,
    loginUrl: config.login ? sameOriginUrl('login.url', config.login.url, '/auth/login', base) : undefined,
    login: config.login,
    tokens: config.tokens,
    refreshUrl: sameOriginUrl('refreshUrl', config.refreshUrl, '/auth/refresh', base),
    logoutUrl: sameOriginUrl('logoutUrl', config.logoutUrl, '/auth/logout', base),
    apiUrl: sameOriginUrl('apiUrl', config.apiUrl, '/api/me', base),
    mode,
    dpop: config.dpop === true,
    appOrigin,
    maxRequests,
  }
}
