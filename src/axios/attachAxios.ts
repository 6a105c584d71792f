// axios's own adapters (XHR for upload progress, node:http) never pass through `client.fetch`, so
// this puts the same rules into an instance's interceptors. Types only from axios: the app brings
// its own copy, and this entry costs nothing to apps that do not import it.
import type { AxiosError, AxiosInstance, InternalAxiosRequestConfig } from 'axios'
import { readStepUpChallenge, type StepUpChallenge } from '../core/challenge'
import { readProofRefusal } from '../parts/dpopFetch'
import { AuthError } from '../core/errors'
import { tokenOrigins } from '../core/origins'
import { checkSameLogin } from '../core/sameLogin'
import type { AuthClient } from '../core/options'

/** What `attachAxios` uses of the client. */
export type AxiosAuthSource = Pick<AuthClient, 'getAuthHeaders' | 'refresh' | 'getSnapshot'>

/** Which origins get the token; the same names and defaults as the client's options. */
export interface AttachAxiosOptions {
  /** Origins whose requests carry the Bearer token: the client's `allowedOrigins`. Default: the page's own origin. */
  allowedOrigins?: string[]
  /** Allow `http:` origins other than this machine (development only), as the client's option. */
  allowInsecureHttp?: boolean
}

// A string key, not a Symbol: axios copies a config's own string keys into the replay's config.
const SENT = 'reactJwtSession'

/** How a request went out: under which login, and which second try it is. Names no token. */
interface Sent {
  composedFor: string | null
  /** Signed with a DPoP proof: a proof refusal is answered (nonce) or rejected, never refreshed. */
  dpop: boolean
  /** Sent again after the refresh: never replayed once more. */
  replayed?: true
  /** Signed again with the nonce a challenge named: not once more. */
  nonce?: string
}

type Config = InternalAxiosRequestConfig & { [SENT]?: Sent }

/**
 * Gives an axios instance the rules of `client.fetch`: the Bearer token (and the client's other
 * auth headers) on requests to allowed origins only; on a 401, the client's one shared refresh
 * (`auth.refresh({ staleToken })`, so any number of requests and instances make one refresh) and
 * one replay. A second 401 goes to the caller. A 401 or 403 that asks for a step-up sign-in
 * spends no refresh and rejects `step_up_required`, as with `auth.fetch` (no event: that comes
 * from `auth.fetch` only). A replay whose login changed rejects with `session_changed`.
 * With `dpop`, each request (and each replay) carries `Authorization: DPoP` and a proof of its
 * method and URL; a nonce challenge is answered once, and a proof still refused rejects
 * `dpop_proof_refused` without a refresh, as with `auth.fetch`. An `AxiosError` leaves without the
 * `Authorization` and `DPoP` headers in its `config`: error reporters get no token.
 * Returns a function that removes both interceptors.
 */
export function attachAxios(auth: AxiosAuthSource, instance: AxiosInstance, options: AttachAxiosOptions = {}): () => void {
  // Read on first use, never at attach time: there may be no `location` yet (or ever, outside a page).
  let origins: string[] | undefined
  // The token each request went out with, for `staleToken`; weak, so settled requests leave nothing.
  const sentWith = new WeakMap<object, string>()

  /** Puts the client's headers on `config`, for the login it was composed for (a replay: the first try's). */
  async function authorize(config: Config, retry: Sent | undefined): Promise<void> {
    const composedFor = retry ? retry.composedFor : auth.getSnapshot().sessionId
    const request = { method: config.method ?? 'get', url: instance.getUri(config) }
    const headers = await auth.getAuthHeaders(retry?.nonce ? { ...request, dpopNonce: retry.nonce } : request)
    checkSameLogin(composedFor, auth.getSnapshot().sessionId)
    // As with auth.fetch: the token (and its proof) replace the request's own; any other header of the request wins.
    const { Authorization: authorization = '', DPoP: proof, ...others } = headers
    for (const [name, value] of Object.entries(others)) config.headers.set(name, value, false)
    config.headers.set('Authorization', authorization)
    if (proof) config.headers.set('DPoP', proof)
    config[SENT] = { ...retry, composedFor, dpop: !!proof }
    sentWith.set(config, authorization.slice(authorization.indexOf(' ') + 1))
  }

  const request = instance.interceptors.request.use(async (config: Config) => {
    origins ??= tokenOrigins(options.allowedOrigins, options.allowInsecureHttp)
    if (!origins.includes(targetOrigin(instance, config))) return config
    await authorize(config, config[SENT])
    return config
  })

  /** A second try of `config`: marked, so it is signed for the same login and never tried a third time. */
  const again = (config: Config, sent: Sent) => instance.request({ ...config, [SENT]: sent } as Config)

  async function answer(error: AxiosError, config: Config, sent: Sent, token: string): Promise<unknown> {
    const status = error.response?.status ?? 0
    const refused = sent.dpop && readProofRefusal(status, header(error, 'www-authenticate'), status === 400 && body(error))
    if (refused) {
      const nonce = header(error, 'dpop-nonce')
      if (refused === 'use_dpop_nonce' && nonce && !sent.nonce) return again(config, { ...sent, nonce })
      // As auth.fetch does: a refused proof costs no refresh (the token was not the problem).
      throw new AuthError('dpop_proof_refused', `The server refused the DPoP proof (${refused}).`, { status })
    }
    if (status !== 401 || sent.replayed) throw error
    await auth.refresh({ staleToken: token })
    return again(config, { composedFor: sent.composedFor, dpop: sent.dpop, replayed: true })
  }

  const response = instance.interceptors.response.use(undefined, async (error: AxiosError) => {
    const config = error?.config as Config | undefined
    const challenge = stepUpChallenge(error)
    const sent = config?.[SENT]
    const token = config && sentWith.get(config)
    try {
      // As auth.fetch does: no refresh can satisfy it, so none is spent.
      if (challenge)
        throw new AuthError('step_up_required', `The API answered ${challenge.error}: the user must sign in again to continue.`, {
          status: error.response?.status,
          challenge,
        })
      if (!config || !sent || token === undefined) throw error
      sentWith.delete(config)
      return await answer(error, config, sent, token)
    } catch (failure) {
      // axios keeps the request's headers in the error (and in `error.response.config`): the app's
      // error reporting would send the token and its proof along.
      if (sent) for (const name of ['Authorization', 'DPoP']) config!.headers.delete(name)
      throw failure
    }
  })

  return () => {
    instance.interceptors.request.eject(request)
    instance.interceptors.response.eject(response)
  }
}

/** The origin the request goes to, resolved the way axios resolves it (baseURL, url, params). */
function targetOrigin(instance: AxiosInstance, config: InternalAxiosRequestConfig): string {
  const uri = instance.getUri(config)
  const page = typeof location === 'undefined' ? undefined : location.href
  if (!page && !/^[a-z][a-z\d+.-]*:/i.test(uri)) {
    throw new TypeError('attachAxios needs an absolute URL outside the browser: give the instance a baseURL.')
  }
  return new URL(uri, page).origin
}

/** The step-up challenge of a 401 or 403 answer to an authenticated request, if it carries one. */
function stepUpChallenge(error: AxiosError): StepUpChallenge | null {
  const status = error.response?.status
  if ((status !== 401 && status !== 403) || !error.config || !error.config.headers?.has?.('Authorization')) return null
  return readStepUpChallenge(header(error, 'www-authenticate'))
}

/** A header of the answer: axios gives `AxiosHeaders`, a custom adapter may give a plain object. */
function header(error: AxiosError, name: string): string | null {
  const headers = error.response?.headers
  const value: unknown = typeof headers?.get === 'function' ? headers.get(name) : headers?.[name]
  return typeof value === 'string' ? value : null
}

/** The answer's body as JSON, whether axios parsed it or not. */
function body(error: AxiosError): unknown {
  const data = error.response?.data
  if (typeof data !== 'string') return data
  try {
    return JSON.parse(data) as unknown
  } catch {
    return null
  }
}
