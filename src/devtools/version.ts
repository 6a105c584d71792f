/** The version of jwt-tab-session, kept equal to package.json's by tests/unit/devtools/diagnose.test.ts. */
export const VERSION = '0.1.0'
