import { AuthError } from '../core/errors'
import { getHasuraClaims, HASURA_NAMESPACE } from '../core/hasura'
import type { AuthPart } from '../core/part'
import { openTopic, type Topic } from '../core/topic'

/** What `createAuthClient({ role })` takes: made by `hasuraRole()`. */
export type ActiveRole = AuthPart

/**
 * A login's role choice, stored as `<storageKey>:role` and sent on `jwt-session:<storageKey>:role`
 * as `{ type: 'jwt-session:role', v: 2, ...Choice }`.
 */
interface Choice {
  sessionId: string
  /** The role, null for the token's default one. */
  role: string | null
  /** When it was chosen (the choosing tab's clock, past every choice it knew of); 0: never chosen. */
  at: number
}

/**
 * Which of two choices of one login stands: the later one. Equal times (two tabs choosing at once
 * while apart) are settled by the role, so every tab settles the same way.
 */
function isNewer(a: Omit<Choice, 'sessionId'>, b: Omit<Choice, 'sessionId'>): boolean {
  if (a.at !== b.at) return a.at > b.at
  return a.role !== b.role && a.role !== null && (b.role === null || a.role > b.role)
}

const isChoice = (value: Partial<Choice> | null): value is Choice =>
  typeof value?.sessionId === 'string' &&
  (value.role === null || typeof value.role === 'string') &&
  typeof value.at === 'number' &&
  Number.isFinite(value.at)

/**
 * Hasura's active role: Hasura runs each request as the role in `x-hasura-role`, which must be
 * one of the token's `x-hasura-allowed-roles`. `auth.setRole('editor')` checks it against them,
 * shows it as `state.role`, sends it with every request of `auth.fetch` (and `getAuthHeaders`)
 * and tells the other tabs; a reload keeps it (sessionStorage), and the next login starts from
 * the default role again. Tabs stop and start apart, so each choice is dated: a tab that starts
 * (or learns its login) tells the others the choice it holds, a tab holding a later one answers
 * with it, and every tab keeps the latest. Pass it as `createAuthClient({ role: hasuraRole() })`;
 * an app that does not import it carries none of it.
 */
export function hasuraRole({ namespace = HASURA_NAMESPACE }: { namespace?: string } = {}): ActiveRole {
  return ({ env, session, patch }) => {
    const storeKey = `${env.storageKey}:role`
    let sessionId: string | null = null
    let role: string | null = null
    let at = 0
    let topic: Topic<Choice> | null = null

    const allowed = (candidate: string | null): boolean => {
      const claims = session()?.claims
      return candidate === null || !!getHasuraClaims(claims, { namespace })?.allowedRoles.includes(candidate)
    }

    function apply(next: string | null, chosenAt: number): void {
      role = next
      at = chosenAt
      patch({ role: next })
      try {
        const storage = env.storage()
        if (sessionId === null || chosenAt === 0) storage?.removeItem(storeKey)
        else storage?.setItem(storeKey, JSON.stringify({ sessionId, role: next, at: chosenAt } satisfies Choice))
      } catch {
        // Storage that throws only costs the role after a reload.
      }
    }

    function stored(): Choice | null {
      try {
        const value = JSON.parse(env.storage()?.getItem(storeKey) ?? 'null') as Partial<Choice> | null
        return isChoice(value) && value.sessionId === sessionId ? value : null
      } catch {
        return null
      }
    }

    /** Tells the other tabs the choice this tab holds: those holding an older one take it, a newer one answer. */
    const tell = () => {
      if (sessionId !== null) topic?.post({ sessionId, role, at })
    }

    function heard(message: Partial<Choice>): void {
      if (sessionId === null || !isChoice(message) || message.sessionId !== sessionId) return
      if (isNewer(message, { role, at })) {
        if (allowed(message.role)) apply(message.role, message.at)
      } else if (isNewer({ role, at }, message)) {
        tell() // a tab that was stopped or opened later holds an older choice
      }
    }

    /** The session may have changed: keep the role if this login still allows it. */
    function check(): void {
      const id = session()?.sessionId ?? null
      if (id !== sessionId) {
        sessionId = id
        const kept = id === null ? null : stored()
        if (kept && allowed(kept.role)) apply(kept.role, kept.at)
        else apply(null, 0)
        tell() // a tab of an open login asks, and tells what it brought back
      } else if (!allowed(role)) {
        apply(null, at) // the refreshed token no longer allows it: not a choice, so no newer one
      }
    }

    /** Before start (a route loader's request), the role of a stored login is read on use. */
    const follow = () => session()?.sessionId !== sessionId && check()

    return {
      onSession: check,
      setRole(next) {
        follow()
        if (sessionId === null) throw new AuthError('unauthenticated', 'No session to choose a role for.')
        if (!allowed(next)) throw new AuthError('role_not_allowed', `The token does not allow the role ${JSON.stringify(next)}.`)
        if (next === role) return
        // Later than every choice this tab knew of, even when its clock stepped back.
        apply(next, Math.max(env.now(), at + 1))
        tell()
      },
      headers() {
        follow()
        return role === null ? null : { 'x-hasura-role': role }
      },
      start() {
        // Where the browser refuses a channel, the role still works in this tab alone.
        topic = openTopic(env, 'role', 2, heard)
        tell()
      },
      stop() {
        topic?.close()
        topic = null
      },
    }
  }
}
