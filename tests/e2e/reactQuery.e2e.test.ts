// The docs' React Query app in two real tabs: alice's todos in tab A, then another user signs in
// in tab B. Tab A's list reads nothing of the session, yet no render of it shows alice's todos
// once it holds the other user's session.
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { bundleScript } from '../support/bundle'
import { POLL, suiteHarness } from './harness'
import type { ReactQueryRender } from './page/reactQuery'

const h = suiteHarness({ accessTokenTtl: 60 })
const PAGE = '/react-query'
let script = ''
// Closed by the test itself: the harness's after-each harvest reads the main page's `window.e2e`.
const opened: Page[] = []
afterEach(async () => {
  for (const page of opened.splice(0)) await page.close()
})

beforeAll(async () => {
  const page = resolve(dirname(fileURLToPath(import.meta.url)), 'page')
  script = (await bundleScript(page, resolve(page, 'reactQuery.ts'))).entry
})

/** Serves the page (same origin as the reference server: /api and /auth are the real ones). */
async function openReactQueryTab(context: BrowserContext): Promise<Page> {
  await context.route(`**${PAGE}`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="${PAGE}.js"></script></head><body></body></html>`,
    }),
  )
  await context.route(`**${PAGE}.js`, (route) => route.fulfill({ contentType: 'text/javascript', body: script }))
  const page = await context.newPage()
  opened.push(page)
  await page.goto(PAGE)
  await page.waitForFunction(() => window.rq !== undefined, undefined, { polling: POLL })
  return page
}

const showing = (page: Page, title: string) =>
  page.waitForFunction((t) => [...document.querySelectorAll('li')].some((li) => li.textContent === t), title, { polling: POLL })

describe('React Query across tabs', () => {
  it('never shows alice’s todos in tab A once another user signed in in tab B', async () => {
    const context = await h().newContext()
    const tabA = await openReactQueryTab(context)
    await tabA.evaluate(() => window.rq.login('alice', 'alice-password'))
    await showing(tabA, 'Buy milk')
    const tabB = await openReactQueryTab(context)
    await showing(tabB, 'Buy milk') // tab B adopted alice's session

    await tabB.evaluate(() => window.rq.login('admin', 'admin-password'))

    await showing(tabA, 'Review access logs')
    const renders: ReactQueryRender[] = await tabA.evaluate(() => window.rq.renders)
    const alices = new Set(['Buy milk', 'Write the refresh tests'])
    const afterSwitch = renders.filter((render) => render.user === 'user-admin')
    expect(afterSwitch.length).toBeGreaterThan(0)
    expect(afterSwitch.filter((render) => render.titles.some((title) => alices.has(title)))).toEqual([])
    expect(afterSwitch.at(-1)!.titles).toEqual(['Review access logs'])
  })
})
