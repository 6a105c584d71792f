// The whole public API an app can import ('jwt-tab-session' and its React Query binding) as one
// module, so .size-limit.json can measure it as one bundle: shared chunks counted once.
export * from '../../dist/index.mjs'
export * from '../../dist/react-query.mjs'
