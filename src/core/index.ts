export { createAuthClient, type AuthClient } from './client'
export { AuthError, isAuthError, type AuthErrorCode } from './errors'
export type { StepUpChallenge } from './challenge'
export type { JwtClaims, TokenPair } from './tokens'
export type { StorageLike } from './storage'
export type { Timers } from './scheduler'
export type { LockManagerLike } from './lock'
export type { ChannelLike, ChannelFactory } from './tabs'
export type { WakeEvents, WakeKind } from './wakeEvents'
export type {
  AuthClientOptions,
  AuthEvent,
  AuthState,
  AuthStatus,
  LogoutReason,
  RefreshContext,
  RevokeContext,
  SessionEnd,
  SessionExpiring,
} from './types'
export { hasuraRole, type ActiveRole, type ActiveRoleControl, type ActiveRoleHost } from './hasuraRole'
export { dpop, type Dpop, type DpopControl, type DpopHost, type DpopOptions, type DpopSigner } from './dpop'
export type { DpopKeyStore } from './dpopKeyStore'
export { cookieRestore, type SessionRestore, type SessionRestoreHost } from './cookieRestore'
export {
  sessionTimeout,
  type ActivityEvents,
  type SessionTimeout,
  type SessionTimeoutControl,
  type SessionTimeoutHost,
  type SessionTimeoutOptions,
} from './sessionTimeout'
export type { AuthFetchOptions } from './fetch'
export { restRefresh, restRevoke, type HttpAdapterOptions, type RestRefreshOptions, type RestRevokeOptions } from './adapters'
export { graphqlRefresh, graphqlRevoke, type GraphqlRefreshOptions, type GraphqlRevokeOptions } from './graphql'
