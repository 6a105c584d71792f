// http.ts — axios and ky on the client's one refresh, however many instances
import axios from 'axios'
import ky from 'ky'
import { isAuthError } from 'react-jwt-session'
import { attachAxios } from 'react-jwt-session/axios'
import { auth } from './auth'

// axios ≥ 1.12, fetch adapter: every request goes through auth.fetch (Bearer for allowed
// origins; a 401 waits for the shared refresh and is replayed once).
export const api = axios.create({ baseURL: '/api', adapter: 'fetch', env: { fetch: auth.fetch } })

// axios's XHR adapter (upload progress) never calls fetch: interceptors give it the same rules.
export const uploads = axios.create({ baseURL: '/api', adapter: 'xhr' })
attachAxios(auth, uploads) // { allowedOrigins } as given to createAuthClient, if any; returns a detach function

// ky retries a failed GET, also one that auth.fetch refused (session_changed): that retry would
// go out under the next login. Never retry an AuthError.
export const kyApi = ky.create({
  prefixUrl: '/api',
  fetch: auth.fetch,
  retry: { shouldRetry: ({ error }) => (isAuthError(error) ? false : undefined) },
})
