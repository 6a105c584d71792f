import { AuthError } from './errors'
import { getHasuraClaims, HASURA_NAMESPACE } from './hasura'
import type { StorageLike } from './storage'
import type { ChannelFactory } from './tabs'
import { openTopic, type Topic } from './topic'
import type { JwtClaims } from './tokens'

/** What the client lends the active-role part. */
export interface ActiveRoleHost {
  storageKey: string
  /** This tab's sessionStorage (null: memory only). */
  storage(): StorageLike | null
  /** The login this tab holds and its claims; null when signed out. */
  current(): { sessionId: string; claims: JwtClaims } | null
  /** Shows the role in the client's state (`state.role`). */
  show(role: string | null): void
}

export interface ActiveRoleControl {
  /** The session may have changed: keep the role if this login still allows it. */
  check(): void
  /** Chooses the role for this login in every tab; null goes back to the token's default role. */
  set(role: string | null): void
  /** The header the role travels in, for `fetch` and `getAuthHeaders`. */
  headers(): Record<string, string> | null
  /** Opens and closes the channel the tabs share the role on. */
  start(channel: ChannelFactory | null): void
  stop(): void
}

/** What `createAuthClient({ role })` takes: made by `hasuraRole()`. */
export type ActiveRole = (host: ActiveRoleHost) => ActiveRoleControl

/** On `jwt-session:<storageKey>:role`, as `{ type: 'jwt-session:role', v: 1, ...RoleMessage }`. */
interface RoleMessage {
  sessionId: string
  /** A role, null for the default one, or undefined to ask the other tabs which one they use. */
  role?: string | null
}

/**
 * Hasura's active role: Hasura runs each request as the role in `x-hasura-role`, which must be
 * one of the token's `x-hasura-allowed-roles`. `auth.setRole('editor')` checks it against them,
 * shows it as `state.role`, sends it with every request of `auth.fetch` (and `getAuthHeaders`)
 * and tells the other tabs; a new tab asks them, a reload keeps it (sessionStorage), and the
 * next login starts from the default role again. Pass it as `createAuthClient({ role: hasuraRole() })`;
 * an app that does not import it carries none of it.
 */
export function hasuraRole({ namespace = HASURA_NAMESPACE }: { namespace?: string } = {}): ActiveRole {
  return (host) => {
    const storeKey = `${host.storageKey}:role`
    let sessionId: string | null = null
    let role: string | null = null
    let topic: Topic<RoleMessage> | null = null

    const allowed = (candidate: string | null): boolean => {
      const claims = host.current()?.claims
      return candidate === null || !!getHasuraClaims(claims, { namespace })?.allowedRoles.includes(candidate)
    }

    function apply(next: string | null): void {
      role = next
      host.show(next)
      try {
        const storage = host.storage()
        if (next === null || sessionId === null) storage?.removeItem(storeKey)
        else storage?.setItem(storeKey, JSON.stringify({ sessionId, role: next }))
      } catch {
        // Storage that throws only costs the role after a reload.
      }
    }

    function stored(): string | null {
      try {
        const value = JSON.parse(host.storage()?.getItem(storeKey) ?? 'null') as Partial<RoleMessage> | null
        return value?.sessionId === sessionId && typeof value?.role === 'string' ? value.role : null
      } catch {
        return null
      }
    }

    const post = (message: RoleMessage) => topic?.post(message)

    function heard(message: Partial<RoleMessage>): void {
      if (sessionId === null || message.sessionId !== sessionId) return
      if (message.role === undefined) {
        if (role !== null) post({ sessionId, role }) // another tab of this login asks
      } else if ((message.role === null || typeof message.role === 'string') && message.role !== role && allowed(message.role)) {
        apply(message.role)
      }
    }

    return {
      check() {
        const id = host.current()?.sessionId ?? null
        if (id !== sessionId) {
          sessionId = id
          const kept = id === null ? null : stored()
          apply(kept !== null && allowed(kept) ? kept : null)
          if (id !== null && kept === null) post({ sessionId: id }) // a new tab of an open login asks
        } else if (!allowed(role)) {
          apply(null) // the refreshed token no longer allows it
        }
      },
      set(next) {
        if (sessionId === null) throw new AuthError('unauthenticated', 'No session to choose a role for.')
        if (!allowed(next)) throw new AuthError('role_not_allowed', `The token does not allow the role ${JSON.stringify(next)}.`)
        if (next === role) return
        apply(next)
        post({ sessionId, role: next })
      },
      headers: () => (role === null ? null : { 'x-hasura-role': role }),
      start(factory) {
        // Where the browser refuses a channel, the role still works in this tab alone.
        topic = openTopic(factory, `jwt-session:${host.storageKey}:role`, 'jwt-session:role', 1, heard)
        if (sessionId !== null && role === null) post({ sessionId })
      },
      stop() {
        topic?.close()
        topic = null
      },
    }
  }
}
