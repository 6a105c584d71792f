// http.ts — axios and ky on the client's one refresh, however many instances
import axios from 'axios'
import ky from 'ky'
import { isAuthError } from 'jwt-tab-session'
import { attachAxios } from 'jwt-tab-session/axios'
import { auth } from './auth'

// axios ≥ 1.12, fetch adapter: every request goes through auth.fetch (Bearer for allowed
// origins; a 401 waits for the shared refresh and is replayed once).
export const api = axios.create({ baseURL: '/api', adapter: 'fetch', env: { fetch: auth.fetch } })

// axios's XHR adapter (upload progress) never calls fetch: interceptors give it the same rules.
export const uploads = axios.create({ baseURL: '/api', adapter: 'xhr' })
attachAxios(auth, uploads) // { allowedOrigins } as given to createAuthClient, if any; returns a detach function

// ky 2 (on ky 1, `prefixUrl` instead of `prefix`). ky 1 retries a failed GET whatever the error, also
// one that auth.fetch refused (session_changed): that retry would go out under the next login.
// ky 2 retries only network errors and some statuses; never retrying an AuthError holds for both.
export const kyApi = ky.create({
  prefix: '/api',
  fetch: auth.fetch,
  retry: { shouldRetry: ({ error }) => (isAuthError(error) ? false : undefined) },
})
