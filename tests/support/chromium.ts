// Debian's Chromium for every browser test (e2e, demo, Storybook): no browser downloads here.
import { existsSync } from 'node:fs'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

/** Flags for headless runs on a machine without a GPU or network beyond loopback. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** `CHROMIUM_PATH`, or the first standard install found; a clear error names the fix otherwise. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHROMIUM_PATH
  if (configured) {
    if (existsSync(configured)) return configured
    throw new Error(
      `CHROMIUM_PATH is set to ${configured}, but there is no file there. Fix the path, or unset it and run \`apt-get install chromium\`.`,
    )
  }
  const found = CANDIDATES.find((path) => existsSync(path))
  if (found) return found
  throw new Error(
    `The browser tests need Chromium and found none at ${CANDIDATES.join(', ')}. ` +
      'Install it with `apt-get install chromium`, or point CHROMIUM_PATH at a Chromium or Chrome binary.',
  )
}
