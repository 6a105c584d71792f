import type { JwtClaims, TokenPair } from './tokens'
import type { AuthPart, PartContext, PartHooks } from './part'
import type { RefreshContext } from './types'

/**
 * The opt-in parts of one client, built once from its options in one order (limits first: on a
 * wake-up a session that ran out ends before anything else looks at it), and driven as one.
 */
export function createPartSet(parts: (AuthPart | undefined)[], context: PartContext) {
  const hooks: PartHooks[] = parts.flatMap((part) => (part ? [part(context)] : []))
  // Told of the session and of wake-ups only while started: never while React renders.
  let running = false
  const each = (run: (part: PartHooks) => void) => () => void (running && hooks.forEach(run))
  /** The one part that offers `name` (DPoP signs, the role sets, the restore finds). */
  const one = <K extends keyof PartHooks>(name: K): PartHooks[K] => hooks.find((part) => part[name])?.[name]

  return {
    start() {
      running = true
      hooks.forEach((part) => part.start?.())
    },
    stop() {
      running = false
      hooks.forEach((part) => part.stop?.())
    },
    onSession: each((part) => part.onSession?.()),
    onWake: each((part) => part.onWake?.()),
    /** Every part's request headers, merged; null when none adds any. */
    headers(): Record<string, string> | null {
      const added = hooks.map((part) => part.headers?.()).filter((headers) => headers)
      return added.length > 0 ? Object.assign({}, ...added) : null
    },
    wrapRefresh<C extends RefreshContext<JwtClaims>>(refresh: (context: C) => Promise<TokenPair>) {
      return hooks.reduce((inner, part) => part.wrapRefresh?.(inner) ?? inner, refresh)
    },
    loginFetch: one('loginFetch'),
    bind: one('bind'),
    signer: one('signer'),
    proofHeaders: one('proofHeaders'),
    coldStart: one('coldStart'),
    setRole: one('setRole'),
    extend: one('extend'),
  }
}

export type PartSet = ReturnType<typeof createPartSet>
