// WebKit: WebKitGTK's MiniBrowser, which has no headless mode, on a private Xvfb display, driven
// by WebKitWebDriver (Debian's webkit2gtk-driver) over W3C WebDriver classic. The few commands the
// suite needs are plain HTTP, so they are sent here directly, each with a timeout: a command sent
// while a page-initiated navigation is in flight can hang. One driver serves one session at a
// time, so each profile (one session: one MiniBrowser process) has a driver of its own. Its first window stays open on
// about:blank (closing a session's last window ends the session); tabs are windows of type `tab`.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import type { EngineBrowser, Profile, Tab } from './browsers'

const MINIBROWSER = process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'
const XVFB = '/usr/bin/Xvfb'
const WEBDRIVER = '/usr/bin/WebKitWebDriver'
const COMMAND_TIMEOUT = 15_000
/** The longest a page script may run (an awaited promise included). */
const SCRIPT_TIMEOUT = 30_000

function requireInstalled(): void {
  const missing = [XVFB, WEBDRIVER, MINIBROWSER].filter((path) => !existsSync(path))
  if (missing.length > 0)
    throw new Error(`The engines suite needs ${missing.join(', ')}: \`apt-get install webkit2gtk-driver xvfb xauth\`.`)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/** Xvfb on the first free display; `-displayfd` tells which, once it is ready. */
async function startXvfb(): Promise<{ process: ChildProcess; display: string }> {
  const xvfb = spawn(XVFB, ['-displayfd', '1', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'pipe', 'ignore'] })
  const display = await new Promise<string>((resolve, reject) => {
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code} before it was ready`)))
    xvfb.stdout!.once('data', (chunk) => resolve(`:${String(chunk).trim()}`))
  })
  return { process: xvfb, display }
}

class WebDriverError extends Error {}

function client(base: string) {
  return async function command<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
      signal: AbortSignal.timeout(path.includes('/execute/') ? SCRIPT_TIMEOUT + COMMAND_TIMEOUT : COMMAND_TIMEOUT),
    })
    const { value } = (await response.json()) as { value: T & { error?: string; message?: string } }
    if (!response.ok) throw new WebDriverError(`WebDriver ${method} ${path}: ${value?.error} ${value?.message ?? ''}`.trim())
    return value
  }
}

/** WebKitWebDriver on a free port, once it answers. */
async function startDriver(display: string): Promise<{ process: ChildProcess; command: Command }> {
  const port = await freePort()
  const driver = spawn(WEBDRIVER, [`--port=${port}`], { env: { ...process.env, DISPLAY: display }, stdio: 'ignore' })
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      await fetch(`${base}/status`)
      return { process: driver, command: client(base) }
    } catch (error) {
      if (Date.now() > deadline || driver.exitCode !== null) {
        await stop(driver)
        throw error
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
}

export async function launchWebKit(): Promise<EngineBrowser> {
  requireInstalled()
  const xvfb = await startXvfb()
  const profiles = new Set<Profile>()

  async function startProfile(): Promise<Profile> {
    // A driver per profile: one driver serves one session at a time.
    const driver = await startDriver(xvfb.display)
    try {
      const { sessionId } = await driver.command<{ sessionId: string }>('POST', '/session', {
        capabilities: {
          alwaysMatch: {
            browserName: 'MiniBrowser',
            // Without --automation beside the binary, session creation never returns.
            'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
          },
        },
      })
      const session = `/session/${sessionId}`
      await driver.command('POST', `${session}/timeouts`, { script: SCRIPT_TIMEOUT, pageLoad: COMMAND_TIMEOUT })
      const [home] = await driver.command<string[]>('GET', `${session}/window/handles`)
      const profile = webkitProfile(driver.command, session, home!, async () => {
        profiles.delete(profile)
        await stop(driver.process)
      })
      profiles.add(profile)
      return profile
    } catch (error) {
      await stop(driver.process)
      throw error
    }
  }

  return {
    engine: 'webkit',
    newProfile: startProfile,
    async close() {
      for (const profile of [...profiles]) await profile.close().catch(() => {})
      await stop(xvfb.process)
    },
  }
}

type Command = ReturnType<typeof client>

function webkitProfile(command: Command, session: string, home: string, closed: () => Promise<void>): Profile {
  // Every command runs on the window it names: switching and acting are one step, in turn.
  let queue: Promise<unknown> = Promise.resolve()
  let current: string | null = home
  const inTurn = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(run)
    queue = result.catch(() => {})
    return result
  }
  const on = async (handle: string) => {
    if (current !== handle) await command('POST', `${session}/window`, { handle })
    current = handle
  }

  function tab(handle: string): Tab {
    return {
      evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A) =>
        inTurn(async () => {
          await on(handle)
          return command<R>('POST', `${session}/execute/sync`, { script: `return (${fn.toString()})(arguments[0])`, args: [arg ?? null] })
        }),
      goto: (url) => inTurn(async () => void (await on(handle), await command('POST', `${session}/url`, { url }))),
      reload: () => inTurn(async () => void (await on(handle), await command('POST', `${session}/refresh`))),
      back: () => inTurn(async () => void (await on(handle), await command('POST', `${session}/back`))),
      close: () =>
        inTurn(async () => {
          await on(handle)
          await command('DELETE', `${session}/window`)
          // Back to a window that exists: WebDriver opens a new one only from a live current one.
          await command('POST', `${session}/window`, { handle: home })
          current = home
        }),
    }
  }

  return {
    openTab: async (url) => {
      const handle = await inTurn(async () => {
        const { handle } = await command<{ handle: string }>('POST', `${session}/window/new`, { type: 'tab' })
        await on(handle)
        await command('POST', `${session}/url`, { url })
        return handle
      })
      return tab(handle)
    },
    close: () =>
      inTurn(async () => {
        try {
          await command('DELETE', session)
        } finally {
          await closed()
        }
      }),
  }
}
