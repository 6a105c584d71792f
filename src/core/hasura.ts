import type { JwtClaims } from './tokens'

/** The claim Hasura reads its session variables from. */
export const HASURA_NAMESPACE = 'https://hasura.io/jwt/claims'

/** The session variables Hasura reads from its namespace claim; custom ones are `x-hasura-*` strings. */
export interface HasuraNamespaceClaims {
  'x-hasura-user-id': string
  'x-hasura-default-role': string
  'x-hasura-allowed-roles': string[]
  [variable: `x-hasura-${string}`]: string | string[]
}

/** Claims of a Hasura JWT, for `createAuthClient<HasuraClaims>()` and `createAuthHooks<HasuraClaims>()`. */
export type HasuraClaims = JwtClaims & { [HASURA_NAMESPACE]: HasuraNamespaceClaims }

/** The Hasura session variables, read by `getHasuraClaims`. */
export interface HasuraSession {
  /** Null when the token carries no `x-hasura-user-id` (Hasura itself only requires the roles). */
  userId: string | null
  defaultRole: string
  allowedRoles: string[]
}

/**
 * Hasura's session variables from a token's claims, or null when they are missing or malformed.
 * Accepts the namespace claim as an object or, with Hasura's `claims_format: stringified_json`,
 * as a JSON string; `namespace` is for a custom `claims_namespace`. Never throws.
 */
export function getHasuraClaims(
  claims: Readonly<Record<string, unknown>> | null | undefined,
  { namespace = HASURA_NAMESPACE }: { namespace?: string } = {},
): HasuraSession | null {
  if (typeof claims !== 'object' || claims === null) return null
  const space = parseNamespace(claims[namespace])
  if (!space) return null
  const defaultRole = space['x-hasura-default-role']
  const allowedRoles = space['x-hasura-allowed-roles']
  if (typeof defaultRole !== 'string' || defaultRole === '') return null
  if (!Array.isArray(allowedRoles) || !allowedRoles.every((role) => typeof role === 'string')) return null
  return {
    userId: userIdIn(space),
    defaultRole,
    allowedRoles: [...allowedRoles],
  }
}

/** The `x-hasura-user-id` of a token's claims, or null; the roles are not checked. Never throws. */
export function getHasuraUserId(claims: Readonly<Record<string, unknown>>, namespace = HASURA_NAMESPACE): string | null {
  const space = parseNamespace(claims[namespace])
  return space && userIdIn(space)
}

function userIdIn(space: Record<string, unknown>): string | null {
  const userId = space['x-hasura-user-id']
  // Some issuers write a numeric id; Hasura compares session variables as text.
  return typeof userId === 'string' && userId !== '' ? userId : typeof userId === 'number' ? String(userId) : null
}

function parseNamespace(value: unknown): Record<string, unknown> | null {
  let parsed = value
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value)
    } catch {
      return null
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null
}
