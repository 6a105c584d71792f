// One small browser interface for the engines suite and bench, with three engines behind it:
// Chromium (Debian's, through playwright-core), Firefox (Debian's firefox-esr, through
// playwright-core 1.64.1 installed as `pw-firefox`: 1.65 sends a media-feature override that ESR
// refuses) and WebKit (WebKitGTK's MiniBrowser under Xvfb, through WebKitWebDriver; see
// webkit.ts). A profile is a fresh browser profile; its tabs share BroadcastChannel, Web Locks,
// cookies and IndexedDB, and each has its own sessionStorage, as tabs of one browser do.
import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type BrowserType, type Page } from 'playwright-core'
import { firefox } from 'pw-firefox'
import { CHROMIUM_ARGS, findChromium } from '../support/chromium'
import { launchWebKit } from './webkit'

export const ENGINE_NAMES = ['chromium', 'firefox', 'webkit'] as const
export type EngineName = (typeof ENGINE_NAMES)[number]

/** `ENGINES=firefox` or `ENGINES=chromium,webkit` runs those alone; all three by default. */
export function selectedEngines(env: NodeJS.ProcessEnv = process.env): EngineName[] {
  const asked = (env.ENGINES ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean)
  if (asked.length === 0) return [...ENGINE_NAMES]
  const unknown = asked.filter((name) => !(ENGINE_NAMES as readonly string[]).includes(name))
  if (unknown.length > 0) throw new Error(`ENGINES names ${unknown.join(', ')}; known engines: ${ENGINE_NAMES.join(', ')}`)
  return ENGINE_NAMES.filter((name) => asked.includes(name))
}

export interface Tab {
  /** Runs `fn(arg)` in the page and resolves to its (JSON) result; a returned promise is awaited. */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>
  /** Navigates and waits for `load`. */
  goto(url: string): Promise<void>
  reload(): Promise<void>
  /** History Back; resolves without waiting for `load` (a page restored from bfcache fires none). */
  back(): Promise<void>
  close(): Promise<void>
}

export interface Profile {
  /** A new tab showing `url` (after `load`). */
  openTab(url: string): Promise<Tab>
  close(): Promise<void>
}

export interface EngineBrowser {
  readonly engine: EngineName
  newProfile(): Promise<Profile>
  close(): Promise<void>
}

const FIREFOX_PATH = '/usr/bin/firefox-esr'
/**
 * Every tab in one content process: with a process per site, each new tab waits for a process
 * to start (seconds on two busy cores), and the suite opens dozens.
 */
const FIREFOX_PREFS = { 'fission.autostart': false, 'dom.ipc.processCount': 1 }

export async function launchEngine(engine: EngineName): Promise<EngineBrowser> {
  switch (engine) {
    case 'chromium':
      // The back/forward cache on (Playwright turns it off), for the Back test; timer throttling
      // stays off, as in tests/e2e.
      return playwrightBrowser(
        engine,
        await chromium.launch({
          executablePath: findChromium(),
          args: CHROMIUM_ARGS,
          headless: true,
          ignoreDefaultArgs: ['--disable-back-forward-cache'],
        }),
      )
    case 'firefox': {
      const executablePath = process.env.FIREFOX_PATH ?? FIREFOX_PATH
      if (!existsSync(executablePath))
        throw new Error(`The engines suite needs Firefox at ${executablePath}: \`apt-get install firefox-esr\`, or set FIREFOX_PATH.`)
      // Another release of playwright-core: its types are those of the pinned one.
      const launcher = firefox as unknown as BrowserType
      return playwrightBrowser(
        engine,
        await launcher.launch({ channel: 'moz-firefox', executablePath, headless: true, firefoxUserPrefs: FIREFOX_PREFS }),
      )
    }
    case 'webkit':
      return launchWebKit()
  }
}

function playwrightBrowser(engine: EngineName, browser: Browser): EngineBrowser {
  return {
    engine,
    async newProfile() {
      const context: BrowserContext = await browser.newContext()
      return {
        async openTab(url) {
          const page = await context.newPage()
          await page.goto(url)
          return playwrightTab(page)
        },
        close: () => context.close(),
      }
    },
    close: () => browser.close(),
  }
}

function playwrightTab(page: Page): Tab {
  return {
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) => page.evaluate<R, unknown>(fn as (arg: unknown) => R | Promise<R>, arg),
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    // Not page.goBack(): under Firefox's WebDriver BiDi it waits for a `load` that a bfcache
    // restore never fires. The harness waits for the page itself.
    back: () => page.evaluate(() => history.back()),
    close: () => page.close(),
  }
}
