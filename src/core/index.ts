export { createAuthClient, type AuthClient } from './client'
export { AuthError, isAuthError, type AuthErrorCode } from './errors'
export type { StepUpChallenge } from './challenge'
export type { JwtClaims, TokenPair } from './tokens'
export type { StorageLike } from './storage'
export type { Timers } from './scheduler'
export type { LockManagerLike } from './lock'
export type { ChannelLike, ChannelFactory } from './tabs'
export type { WakeEvents, WakeKind } from './wakeEvents'
export type { AuthClientOptions } from './options'
export type { AuthPart, ColdStartContext, PartContext, PartHooks, SessionView } from './part'
export type { Environment } from './env'
export type { Topic } from './topic'
export type {
  AuthEvent,
  DpopSigner,
  AuthState,
  AuthStatus,
  LogoutReason,
  RefreshContext,
  RevokeContext,
  SessionEnd,
  SessionExpiring,
} from './types'
export { hasuraRole, type ActiveRole } from '../parts/hasuraRole'
export { dpop, type Dpop, type DpopOptions } from '../parts/dpop'
export type { DpopKeyStore } from '../parts/dpopKeyStore'
export { cookieRestore, type SessionRestore } from '../parts/cookieRestore'
export { sessionTimeout, type ActivityEvents, type SessionTimeout, type SessionTimeoutOptions } from '../parts/sessionTimeout'
export type { AuthFetchOptions } from './fetch'
export { restRefresh, restRevoke, type HttpAdapterOptions, type RestRefreshOptions, type RestRevokeOptions } from '../adapters/rest'
export { graphqlRefresh, graphqlRevoke, type GraphqlRefreshOptions, type GraphqlRevokeOptions } from '../adapters/graphql'
