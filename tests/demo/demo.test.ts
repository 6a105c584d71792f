// @vitest-environment node
// The demo (scripts/demo.mjs: Vite dev server + reference auth server in one process) over HTTP,
// then in real Chromium: sign in, todos, the admin guard, a new tab by handoff, log out, the
// warning before an idle session is signed out; and with --dpop, DPoP-bound tokens.
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_ARGS, findChromium } from '../support/chromium'

interface Demo {
  url: string
  users: readonly { username: string; password: string; roles: string[] }[]
  close(): Promise<void>
}
type DemoModule = {
  DEFAULT_TTL: number
  startDemo(options: {
    port?: number
    accessTokenTtl?: number
    quiet?: boolean
    dpop?: boolean
    onPortTaken?: (port: number) => void
  }): Promise<Demo>
}

// A plain JS script without declarations: its shape is stated here, at its one use.
const DEMO_SCRIPT: string = new URL('../../scripts/demo.mjs', import.meta.url).href

let demo: Demo
/** The access-token lifetime `npm run demo` starts with. */
let DEFAULT_TTL: number
let browser: Browser | undefined
/** Uncaught errors and console errors of every tab, shown with any wait that times out. */
const pageErrors: string[] = []

beforeAll(async () => {
  const demoModule = (await import(/* @vite-ignore */ DEMO_SCRIPT)) as DemoModule
  DEFAULT_TTL = demoModule.DEFAULT_TTL
  // As `npm run demo` starts it, but on a free port and without its console output.
  demo = await demoModule.startDemo({ port: 0, quiet: true })
})

let demoClosed: Promise<void> | undefined
/**
 * Closes the demo, once. The DPoP demo closes it before it starts: two Vite servers in one process
 * would both want the HMR socket's port (24678), and the second one's pages would log errors.
 */
const closeDemo = () => (demoClosed ??= demo?.close())

afterAll(async () => {
  await browser?.close()
  // Also closes Vite's watcher and dependency optimizer; left open, they keep Vitest from exiting.
  await closeDemo()
})

describe('the demo over HTTP', () => {
  it('serves the app page, also for client-side routes', async () => {
    for (const path of ['/', '/admin']) {
      const response = await fetch(`${demo.url}${path}`)
      expect(response.status).toBe(200)
      expect(await response.text()).toContain('<div id="root"></div>')
    }
  })

  it('serves the auth server: login as alice, then /api/me with the Bearer and the fingerprint cookie', async () => {
    const alice = await loginOverHttp('alice')
    expect(alice.body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 60 })

    const me = await fetch(`${demo.url}/api/me`, { headers: alice.headers })
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ username: 'alice', roles: ['user'] })

    // The fingerprint is what binds the token to this browser: without the cookie it is refused.
    const stolen = await fetch(`${demo.url}/api/me`, { headers: { authorization: alice.headers.authorization } })
    expect(stolen.status).toBe(401)
  })
})

describe('the demo on a taken port', () => {
  it('says the port is taken and serves on the next free one', async () => {
    const { startDemo } = (await import(/* @vite-ignore */ DEMO_SCRIPT)) as DemoModule
    const blocker = createNetServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const taken = (blocker.address() as AddressInfo).port
    const told: number[] = []
    const second = await startDemo({ port: taken, quiet: true, onPortTaken: (port) => told.push(port) })
    try {
      expect(told).toEqual([taken])
      expect(second.url).toBe(`http://127.0.0.1:${taken + 1}`)
      expect((await fetch(`${second.url}/`)).status).toBe(200)
    } finally {
      await second.close()
      blocker.close()
    }
  })
})

describe('the demo in Chromium', () => {
  let context: BrowserContext
  let page: Page
  let secondTab: Page
  const failedResponses: string[] = []

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true })
    context = await browser.newContext({ viewport: { width: 1100, height: 760 } })
    // Under the 30 s test timeout, so a stuck wait fails with its own message.
    context.setDefaultTimeout(10_000)
    context.on('page', (opened) => {
      opened.on('pageerror', (error) => pageErrors.push(error.message))
      // HTTP errors are checked by URL below; every other console error is a bug in the demo.
      opened.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text())
      })
      opened.on('response', (response) => {
        if (response.status() >= 400) failedResponses.push(`${response.status()} ${new URL(response.url()).pathname}`)
      })
    })
    page = await context.newPage()
  })

  it('sends a visitor without a session to the sign-in page, with the page to come back to', async () => {
    await page.goto(`${demo.url}/`)
    await page.waitForURL(/\/login\?returnTo=%2F$/)
    await expectText(page.getByTestId('status'), 'unauthenticated')
    expect(await page.getByText('alice-password').count()).toBe(1)
  })

  it('shows an error for a wrong password', async () => {
    await signIn(page, 'alice', 'not-her-password')
    await expectText(page.getByRole('alert'), 'Wrong username or password.')
  })

  it('signs alice in through the form and loads her todos', async () => {
    await signIn(page, 'alice', 'alice-password')
    await page.waitForURL(`${demo.url}/`)
    await expectText(page.getByTestId('user'), 'Alice (user-alice)')
    await expectText(page.getByTestId('status'), 'authenticated')
    await expectText(page.getByTestId('todos'), 'Buy milk')
    await expectText(page.getByTestId('event-log'), 'logged_in')
  })

  it('adds a todo through auth.fetch', async () => {
    await page.getByLabel('New todo').fill('Try the demo')
    await page.getByRole('button', { name: 'Add' }).click()
    await expectText(page.getByTestId('todos'), 'Try the demo')
    await page.screenshot({ path: '/tmp/demo.png', fullPage: true })
  })

  it('refreshes on demand and logs it', async () => {
    await page.getByRole('button', { name: 'Refresh now' }).click()
    await expectText(page.getByTestId('event-log'), 'refresh_succeeded')
    await expectText(page.getByTestId('error'), '—')
  })

  it('answers forbidden on the admin page for alice', async () => {
    await page.getByRole('link', { name: 'Admin' }).click()
    await page.waitForURL(`${demo.url}/admin`)
    await expectText(page.locator('.forbidden'), 'Forbidden')
    expect(await page.getByTestId('admin-welcome').count()).toBe(0)
  })

  it('hands the session to a tab opened with "Open in a new tab"', async () => {
    await page.getByRole('link', { name: 'Todos' }).click()
    const opening = context.waitForEvent('page')
    await page.getByRole('button', { name: 'Open in a new tab' }).click()
    secondTab = await opening
    await expectText(secondTab.getByTestId('user'), 'Alice (user-alice)')
    await expectText(secondTab.getByTestId('event-log'), 'session_adopted')
    await expectText(secondTab.getByTestId('todos'), 'Try the demo')
  })

  it('logs out back to the sign-in page, in both tabs', async () => {
    await page.getByRole('button', { name: 'Log out', exact: true }).click()
    await page.waitForURL(/\/login\?returnTo=%2F$/)
    await expectText(page.getByTestId('status'), 'unauthenticated')
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    await secondTab.waitForURL(/\/login\?returnTo=%2F$/)
    await expectText(secondTab.getByTestId('event-log'), 'from another tab')
    await secondTab.close()
  })

  it('lets admin into the admin page, and shows admin his own todos', async () => {
    await page.goto(`${demo.url}/admin`)
    await page.waitForURL(/\/login\?returnTo=%2Fadmin$/)
    await signIn(page, 'admin', 'admin-password')
    await page.waitForURL(`${demo.url}/admin`)
    await expectText(page.getByTestId('admin-welcome'), 'Welcome, Admin')
    await expectText(page.locator('pre'), '"username": "admin"')
    await page.getByRole('link', { name: 'Todos' }).click()
    await expectText(page.getByTestId('todos'), 'Review access logs')
    expect(await page.getByTestId('todos').textContent()).not.toContain('Buy milk')
  })

  it('logs admin out everywhere, ending a session on another device too', async () => {
    const otherDevice = await loginOverHttp('admin')
    expect((await fetch(`${demo.url}/api/me`, { headers: otherDevice.headers })).status).toBe(200)

    await page.getByRole('button', { name: 'Log out everywhere' }).click()
    await page.waitForURL(/\/login\?returnTo=%2F$/)
    await expect.poll(async () => (await fetch(`${demo.url}/api/me`, { headers: otherDevice.headers })).status).toBe(401)
  })

  it('warns an idle session in every tab, keeps it on Escape, and signs it out when left alone', async () => {
    // Limits from the URL, short: the warning 2 s after the last input in any tab, the end 6 s after it.
    const login = /\/login\?returnTo=%2F%3Fidle%3D6%26warn%3D4$/
    await page.goto(`${demo.url}/?idle=6&warn=4`)
    await page.waitForURL(login)
    await expectText(page.getByTestId('limits'), 'idle 0:06 · max age off · warning 0:04')
    await signIn(page, 'alice', 'alice-password')
    await page.waitForURL(`${demo.url}/?idle=6&warn=4`)
    const opening = context.waitForEvent('page')
    await page.getByRole('button', { name: 'Open in a new tab' }).click()
    secondTab = await opening
    expect(new URL(secondTab.url()).search).toBe('?idle=6&warn=4')
    await expectText(secondTab.getByTestId('user'), 'Alice (user-alice)')
    const input = page.getByLabel('New todo')
    await input.click()

    const dialogs = [page, secondTab].map((tab) => tab.getByRole('alertdialog', { name: 'Are you still there?' }))
    await Promise.all(dialogs.map((dialog) => dialog.waitFor()))
    const [dialog] = dialogs as [Locator, Locator]
    expect(await dialog.getAttribute('aria-modal')).toBe('true')
    const stay = dialog.getByRole('button', { name: 'Stay signed in' })
    const signOut = dialog.getByRole('button', { name: 'Sign out' })
    expect(await hasFocus(stay)).toBe(true)
    // The real keyboard: Tab wraps around inside the dialog; Escape is "stay signed in".
    await page.keyboard.press('Tab')
    expect(await hasFocus(signOut)).toBe(true)
    await page.keyboard.press('Tab')
    expect(await hasFocus(stay)).toBe(true)
    await page.keyboard.press('Shift+Tab')
    expect(await hasFocus(signOut)).toBe(true)
    await page.keyboard.press('Escape')
    // Kept in every tab: the other tab's warning closes too.
    await Promise.all(dialogs.map((each) => each.waitFor({ state: 'hidden' })))
    expect(await hasFocus(input)).toBe(true)
    await expectText(page.getByTestId('status'), 'authenticated')

    // Left alone: the warning again, then the end in both tabs, and the sign-in page says why.
    await dialog.waitFor()
    for (const tab of [page, secondTab]) {
      await tab.waitForURL(login)
      await expectText(tab.getByTestId('ended'), 'You were signed out after a period of inactivity.')
      await expectText(tab.getByTestId('event-log'), '(idle)')
    }
    expect(await dialog.count()).toBe(0)
    await secondTab.close()
  })

  it('logged no page errors and no unexpected HTTP errors', () => {
    expect(pageErrors).toEqual([])
    // The wrong password, and nothing else: no 401 from a query racing a logout.
    expect(failedResponses).toEqual(['401 /auth/login'])
  })
})

describe('the default demo (`npm run demo`, no flags), in Chromium', () => {
  let context: BrowserContext
  let page: Page
  /** The refresh requests this page sent, and the answers it got. */
  const refreshRequests: string[] = []
  const refreshAnswers: number[] = []
  const errors: string[] = []

  beforeAll(async () => {
    browser ??= await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true })
    context = await browser.newContext()
    context.setDefaultTimeout(10_000)
    // The page's clock rather than the demo's TTL options: --short-ttl or a shorter ?idle= would
    // prove another configuration than the one a newcomer gets. So the demo runs as `npm run demo`
    // starts it (the shared `demo` passes no accessTokenTtl: DEFAULT_TTL) with the app's default
    // limits, and only the page's time is moved. The refresh timer and the idle limit both run on
    // that clock, so whichever comes first for a newcomer comes first here, in seconds.
    await context.clock.install()
    page = await context.newPage()
    page.on('pageerror', (error) => errors.push(error.message))
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text())
    })
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/auth/refresh') refreshRequests.push(request.method())
    })
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/auth/refresh') refreshAnswers.push(response.status())
    })
  })

  afterAll(async () => {
    await context?.close()
  })

  it('refreshes silently, once, before the idle limit ends the session of a user who signs in and waits', async () => {
    await page.goto(`${demo.url}/`)
    await page.waitForURL(/\/login\?returnTo=%2F$/)
    // What a newcomer sees: the limits the demo starts with.
    await expectText(page.getByTestId('limits'), 'idle 2:00 · max age off · warning 0:30')
    const idleMs = 120_000
    const counters = async () => ((await (await fetch(`${demo.url}/__control/counters`)).json()) as { refreshes: number }).refreshes
    const refreshesBefore = await counters()

    // The idle limit counts from the last input, the sign-in click: at the earliest from here.
    const startedAt = await pageNow(page)
    await signIn(page, 'alice', 'alice-password')
    await page.waitForURL(`${demo.url}/`)
    await expectText(page.getByTestId('todos'), 'Buy milk')
    const firstLogin = await storedRotation(page)
    expect(firstLogin.gen).toBe(0)
    const firstExpiry = await page.getByTestId('expires').textContent()

    // From here on the page's time moves only when told: one second at a time, every timer due in
    // it fired in order (runFor), until the first refresh request, or 5 s past the idle limit (a
    // refresh that never comes shows how the session ended).
    await context.clock.pauseAt((await pageNow(page)) + 1000)
    let now = await pageNow(page)
    while (refreshRequests.length === 0 && now - startedAt <= idleMs + 5000) {
      await context.clock.runFor(1000)
      now = await pageNow(page) // a turn of the page's event loop: a refresh the timer started is sent
    }
    const stoppedAt = `${Math.round((now - startedAt) / 1000)} s after the sign-in, ${await page.getByTestId('status').textContent()}`
    expect(refreshRequests, `refresh requests within the ${idleMs / 1000} s idle limit (stopped ${stoppedAt})`).toHaveLength(1)
    expect(now - startedAt).toBeLessThan(idleMs)

    // The time stays still while the answer arrives: exactly one refresh, and the page shows it.
    await expect.poll(() => refreshAnswers).toEqual([200])
    await expectText(page.getByTestId('event-log'), 'refresh_succeeded')
    expect(await counters()).toBe(refreshesBefore + 1)
    expect(await storedRotation(page)).toEqual({ family: firstLogin.family, gen: 1 }) // the same login, one rotation
    await expect.poll(() => page.getByTestId('expires').textContent()).not.toBe(firstExpiry)
    // A fresh token: a full lifetime ahead of the page's clock again (the countdown, "in m:ss").
    const [, minutes, seconds] = /in (\d+):(\d\d)/.exec((await page.getByTestId('expires').textContent()) ?? '') ?? []
    expect(Number(minutes) * 60 + Number(seconds)).toBeGreaterThan(DEFAULT_TTL - 5)

    // Signed in throughout: no sign-in page, no warning yet, the todos still there.
    expect(page.url()).toBe(`${demo.url}/`)
    await expectText(page.getByTestId('status'), 'authenticated')
    expect(await page.getByRole('alertdialog').count()).toBe(0)
    await expectText(page.getByTestId('todos'), 'Buy milk')
    expect(refreshRequests).toHaveLength(1)
    expect(errors).toEqual([])
  })
})

describe('the demo with --dpop, in Chromium', () => {
  let dpopDemo: Demo
  let context: BrowserContext
  let page: Page
  /** Every request to the demo's server: its path, Authorization scheme and whether it had a proof. */
  const sent: string[] = []
  const failedResponses: string[] = []

  beforeAll(async () => {
    await closeDemo()
    const { startDemo } = (await import(/* @vite-ignore */ DEMO_SCRIPT)) as DemoModule
    dpopDemo = await startDemo({ port: 0, quiet: true, dpop: true })
    browser ??= await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true })
    context = await browser.newContext()
    context.setDefaultTimeout(10_000)
    context.on('page', (opened) => {
      opened.on('pageerror', (error) => pageErrors.push(error.message))
      opened.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text())
      })
      opened.on('request', (request) => {
        const { pathname } = new URL(request.url())
        const scheme = request.headers().authorization?.split(' ')[0] ?? 'none'
        if (/^\/(auth|api)\//.test(pathname))
          sent.push(`${request.method()} ${pathname} ${scheme}${request.headers().dpop ? ' +proof' : ''}`)
      })
      opened.on('response', (response) => {
        if (response.status() >= 400) failedResponses.push(`${response.status()} ${new URL(response.url()).pathname}`)
      })
    })
    page = await context.newPage()
  })

  afterAll(async () => {
    await context?.close()
    await dpopDemo?.close()
  })

  it('signs in through auth.loginFetch with a proof, then calls the API with Authorization: DPoP', async () => {
    await page.goto(`${dpopDemo.url}/login`)
    await signIn(page, 'alice', 'alice-password')
    await page.waitForURL(`${dpopDemo.url}/`)
    await expectText(page.getByTestId('todos'), 'Buy milk')
    await expectText(page.getByTestId('dpop'), 'DPoP, cnf.jkt ')
    await page.getByRole('button', { name: 'Refresh now' }).click()
    await expectText(page.getByTestId('event-log'), 'refresh_succeeded')
    await page.getByLabel('New todo').fill('Bound to a key')
    await page.getByRole('button', { name: 'Add' }).click()
    await expectText(page.getByTestId('todos'), 'Bound to a key')
    expect(sent).toContain('POST /auth/login none +proof')
    expect(sent).toContain('GET /api/todos DPoP +proof')
    expect(sent).toContain('POST /auth/refresh none +proof')
    expect(sent).toContain('POST /api/todos DPoP +proof')
    expect(sent.filter((line) => !line.endsWith(' +proof') || line.includes('Bearer'))).toEqual([])
  })

  it('hands the key to a new tab with the session, and keeps it over a reload', async () => {
    const opening = context.waitForEvent('page')
    await page.getByRole('button', { name: 'Open in a new tab' }).click()
    const secondTab = await opening
    await expectText(secondTab.getByTestId('event-log'), 'session_adopted')
    await expectText(secondTab.getByTestId('todos'), 'Bound to a key')
    await secondTab.reload()
    await expectText(secondTab.getByTestId('todos'), 'Bound to a key')
    await secondTab.close()
    expect(pageErrors).toEqual([])
    expect(failedResponses).toEqual([])
  })
})

/** A session outside the browser (another device), with the headers its API calls need. */
async function loginOverHttp(username: string) {
  const user = demo.users.find((candidate) => candidate.username === username)!
  const response = await fetch(`${demo.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user.username, password: user.password }),
  })
  expect(response.status).toBe(200)
  const body = (await response.json()) as { accessToken: string; refreshToken: string; expiresIn: number }
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ')
  return { body, headers: { authorization: `Bearer ${body.accessToken}`, cookie } }
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

/** The page's clock (`Date.now()` in the page), which `context.clock` controls. */
function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => Date.now())
}

/** Which login the tab holds and how often it was refreshed: `family` and `gen` of the stored session (key `demo-session`). */
function storedRotation(page: Page): Promise<{ family: string; gen: number }> {
  return page.evaluate(() => {
    const { family, gen } = JSON.parse(sessionStorage.getItem('demo-session') ?? '{}') as { family: string; gen: number }
    return { family, gen }
  })
}

/** Whether the element is the focused one in its page. */
function hasFocus(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === document.activeElement)
}

/** Waits (no fixed sleep) until the element exists and its text contains `text`. */
async function expectText(locator: Locator, text: string): Promise<void> {
  try {
    await locator.filter({ hasText: text }).first().waitFor({ timeout: 10_000 })
  } catch (error) {
    // A timeout alone says nothing when the app failed to render; the page's errors usually do.
    if (pageErrors.length > 0 && error instanceof Error) error.message += `\nErrors in the page:\n${pageErrors.join('\n')}`
    throw error
  }
}
