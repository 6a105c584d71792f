// `npm run test:stories`: every story's play function as a test, in headless Chromium. A project of
// vite.config.ts.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin'
import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'
import { CHROMIUM_ARGS, findChromium } from '../tests/support/chromium'

const configDir = path.dirname(fileURLToPath(import.meta.url))

export default defineConfig({
  // The failure links point at `npm run storybook`.
  plugins: [storybookTest({ configDir, storybookUrl: 'http://127.0.0.1:6006' })],
  test: {
    name: 'stories',
    setupFiles: [path.join(configDir, 'vitest.setup.ts')],
    // The slowest stories wait out a few token lifetimes of 3 s.
    testTimeout: 30_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          // Looked up at launch, not when the config loads: every run loads every project's config,
          // and `--project unit` must work on a machine without Chromium.
          get executablePath() {
            return findChromium()
          },
          args: CHROMIUM_ARGS,
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
})
