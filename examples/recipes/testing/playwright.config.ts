// Runs the Playwright fixtures of docs/testing.md with @playwright/test itself, against the React
// Router recipe: playwright.test.ts serves it with the reference server and passes its URL.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, findChromium } from '../../../tests/support/chromium'

export default defineConfig({
  testDir: './e2e',
  testMatch: '*.spec.ts',
  workers: 1,
  retries: 0,
  timeout: 30_000,
  outputDir: join(tmpdir(), 'jwt-tab-session-recipes-playwright'), // traces of a failure, outside the repository
  use: {
    baseURL: process.env.RECIPE_APP_URL,
    headless: true,
    launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
  },
})
