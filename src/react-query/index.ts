export { bindQueryClient, type BindQueryClientOptions } from './bindQueryClient'
export { createQueryFn, HttpError, type QueryFnOptions } from './queryFn'
export { isAuthFailure, shouldRetry } from './retry'
export { useBindQueryClient } from './useBindQueryClient'
