export { createAuthClient, type AuthClient } from './client'
export { AuthError, isAuthError, type AuthErrorCode } from './errors'
export type { JwtClaims, TokenPair } from './tokens'
export type { StorageLike } from './storage'
export type { Timers } from './scheduler'
export type { LockManagerLike } from './lock'
export type { ChannelLike, ChannelFactory } from './tabs'
export type { WakeEvents } from './wakeEvents'
export type {
  AuthClientOptions,
  AuthEvent,
  AuthState,
  AuthStatus,
  LogoutReason,
  RefreshContext,
  RevokeContext,
} from './types'
export type { AuthFetchOptions } from './fetch'
export { restRefresh, restRevoke, type HttpAdapterOptions, type RestRefreshOptions, type RestRevokeOptions } from './adapters'
export { graphqlRefresh, graphqlRevoke, type GraphqlRefreshOptions, type GraphqlRevokeOptions } from './graphql'
