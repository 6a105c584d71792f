// `jwt-tab-session/devtools`: opt-in, an entry of its own, so an app that never imports it ships
// none of it. Import it only in development, lazily (docs/debugging.md shows how).
export { connectAuthDevtools } from './connect'
export { diagnose, MAX_REPORT_BYTES, type DiagnoseOptions, type DiagnosticReport, type ReportValue } from './diagnose'
export type { DevTab, DevtoolsOptions } from './hub'
export type { DevRecord, DevSessionKey } from './records'
export { mountAuthDevtools, type MountOptions } from './panel'
export { goOffline, installFaults, type FaultOptions, type Faults, type RefreshFault } from './faults'
export type { PanelFaultOptions } from './faultsView'
export { expireAccessToken, openNewTab, sendParallel401s, type Parallel401Options } from './scenarios'
export { AuthDevtools, type AuthDevtoolsProps } from './AuthDevtools'
