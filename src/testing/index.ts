// `jwt-tab-session/testing`: helpers for an app's own tests, free of jose. The reference auth
// server (which signs with jose) is `jwt-tab-session/testing/server`; its node:http adapter
// is `jwt-tab-session/testing/node`.
export { createTestJwt } from './jwt'
export { createMemoryStorage } from './memoryStorage'
export { createTabHarness } from './tabHarness'
export { createTestAuthClient, type TestAuthOptions } from './testClient'
export { TestAuthProvider } from './TestAuthProvider'
export {
  checkServer,
  CheckServerError,
  type CheckServerConfig,
  type CheckServerErrorCode,
  type CheckServerLogin,
  type CheckServerMode,
  type CheckServerResult,
  type CheckServerTokens,
  type RuleId,
  type RuleResult,
  type RuleStatus,
} from './checkServer'
