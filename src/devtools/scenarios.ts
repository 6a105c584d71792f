// Dev-only scenarios that act on one client: its access token expiring now, a burst of parallel
// requests the API refuses once, a new tab. Like the faults, they use only what the devtools
// install: the engine behind `client[INSPECT]` (expire.ts) and the fetch hook (fetchHook.ts).
import type { AuthClient } from '../core/options'
import type { JwtClaims } from '../core/tokens'
import { expireHere } from './expire'
import { hookFetch, urlOf } from './fetchHook'
import { connected, engineOf } from './hub'

/**
 * Treats the session's access token as expired now: the refresh timer refreshes it at once (in a
 * stopped client, the next request does). In every tab whose devtools are connected
 * (`mountAuthDevtools`, `connectAuthDevtools`) when they are connected here, else in this tab
 * only; a tab that holds a newer token by then keeps it. False without a session, or while a
 * refresh is on its way, backing off or refused (that already plans what comes next).
 */
export function expireAccessToken<TClaims extends JwtClaims>(auth: AuthClient<TClaims>): boolean {
  const client = auth as unknown as AuthClient<never>
  const engine = engineOf(client)
  return connected(client)?.expireEverywhere() ?? expireHere(engine)
}

export interface Parallel401Options {
  /** The API to call, as `client.fetch` would (an allowed origin gets the Bearer token). */
  url: string
  /** How many requests, 1 to 100 (default 5). */
  count?: number
}

/**
 * Sends `count` requests to `url` at once through `client.fetch`, and answers each one that carries
 * the access token held now with 401, as an API does once it revoked that token. The client
 * refreshes once and replays each request with the new token: only the replays reach `url`.
 * Resolves with the final statuses.
 */
export async function sendParallel401s<TClaims extends JwtClaims>(
  auth: AuthClient<TClaims>,
  { url, count = 5 }: Parallel401Options,
): Promise<number[]> {
  if (typeof url !== 'string') throw new TypeError('sendParallel401s({ url }): url must be a string.')
  if (!Number.isInteger(count) || count < 1 || count > 100)
    throw new TypeError('sendParallel401s({ count }): a whole number from 1 to 100.')
  const refused = auth.getSnapshot().accessToken
  const target = new URL(url, location.href).href
  const unhook = hookFetch((input, init, next) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))
    const token = headers.get('authorization')?.split(' ')[1]
    if (refused === null || token !== refused || new URL(urlOf(input), location.href).href !== target) return next(input, init)
    return Promise.resolve(new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }))
  })
  try {
    const answers = await Promise.all(Array.from({ length: count }, () => auth.fetch(url)))
    for (const answer of answers) void answer.body?.cancel().catch(() => {})
    return answers.map((answer) => answer.status)
  } finally {
    unhook()
  }
}

/**
 * Opens this page in a new tab without an opener, as a link opened in a new tab: it starts with
 * no sessionStorage of its own, so it gets the session from the other tabs (a handoff).
 */
export function openNewTab(): void {
  window.open(location.href, '_blank', 'noopener')
}
