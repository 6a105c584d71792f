export { createTestJwt } from './jwt'
export { createMemoryStorage } from './memoryStorage'
export { createTabHarness, createLockManager } from './tabHarness'
export * from './server'
