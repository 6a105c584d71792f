// axios's own adapters (XHR for upload progress, node:http) never pass through `client.fetch`, so
// this puts the same rules into an instance's interceptors. Types only from axios: the app brings
// its own copy, and this entry costs nothing to apps that do not import it.
import type { AxiosError, AxiosInstance, InternalAxiosRequestConfig } from 'axios'
import { readStepUpChallenge, type StepUpChallenge } from '../core/challenge'
import { AuthError } from '../core/errors'
import { tokenOrigins } from '../core/origins'
import { checkSameLogin } from '../core/sameLogin'
import type { AuthClient } from '../core/types'

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
const REPLAY = 'reactJwtSessionReplay'

type Config = InternalAxiosRequestConfig & { [REPLAY]?: true }

/**
 * Gives an axios instance the rules of `client.fetch`: the Bearer token (and the client's other
 * auth headers) on requests to allowed origins only; on a 401, the client's one shared refresh
 * (`auth.refresh({ staleToken })`, so any number of requests and instances make one refresh) and
 * one replay. A second 401 goes to the caller. A 401 or 403 that asks for a step-up sign-in
 * spends no refresh and rejects `step_up_required`, as with `auth.fetch` (no event: that comes
 * from `auth.fetch` only). A replay whose login changed rejects with `session_changed`.
 * Returns a function that removes both interceptors.
 */
export function attachAxios(auth: AxiosAuthSource, instance: AxiosInstance, options: AttachAxiosOptions = {}): () => void {
  // Read on first use, never at attach time: there may be no `location` yet (or ever, outside a page).
  let origins: string[] | undefined
  // The token each request went out with, for `staleToken`; weak, so settled requests leave nothing.
  const sentWith = new WeakMap<object, string>()

  const request = instance.interceptors.request.use(async (config: Config) => {
    if (config[REPLAY]) return config
    origins ??= tokenOrigins(options.allowedOrigins, options.allowInsecureHttp)
    if (!origins.includes(targetOrigin(instance, config))) return config
    const composedFor = auth.getSnapshot().sessionId
    const headers = await auth.getAuthHeaders()
    checkSameLogin(composedFor, auth.getSnapshot().sessionId)
    // As with auth.fetch: the Bearer replaces the request's own; any other header of the request wins.
    const { Authorization: bearer, ...others } = headers
    for (const [name, value] of Object.entries(others)) config.headers.set(name, value, false)
    config.headers.set('Authorization', bearer)
    sentWith.set(config, bearer!.slice('Bearer '.length))
    return config
  })

  const response = instance.interceptors.response.use(undefined, async (error: AxiosError) => {
    const config = error?.config as Config | undefined
    const token = config && sentWith.get(config)
    const challenge = stepUpChallenge(error)
    // As auth.fetch does: no refresh can satisfy it, so none is spent.
    if (challenge)
      throw new AuthError('step_up_required', `The API answered ${challenge.error}: the user must sign in again to continue.`, {
        status: error.response?.status,
        challenge,
      })
    if (!config || token === undefined || error.response?.status !== 401) throw error
    sentWith.delete(config)
    const fresh = await auth.refresh({ staleToken: token })
    config.headers.set('Authorization', `Bearer ${fresh}`)
    // Marked, so the replay passes the request interceptor untouched and is never replayed again.
    return instance.request({ ...config, [REPLAY]: true } as Config)
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
  const { status, headers } = error.response ?? {}
  if ((status !== 401 && status !== 403) || !error.config || !error.config.headers?.has?.('Authorization')) return null
  const value: unknown = typeof headers?.get === 'function' ? headers.get('www-authenticate') : headers?.['www-authenticate']
  return readStepUpChallenge(typeof value === 'string' ? value : null)
}
