// auth.ready() in real Chromium: a tab whose client nothing has started yet (a route loader that
// runs before React mounts) learns the session from an open tab, or that there is none.
import { expect, it } from 'vitest'
import { suiteHarness } from './harness'

const h = suiteHarness({ accessTokenTtl: 60 })

it('gives a deep link in a new tab the open tab’s session before anything starts its client', async () => {
  const { context, accessToken } = await h().loggedInTabs(1)
  const deepLink = await h().openTab(context, 'deep', { start: 'later' })
  expect(await deepLink.evaluate(() => window.e2e.ready())).toEqual({ status: 'authenticated', accessToken })
  const log = await deepLink.evaluate(() => window.e2e.log())
  expect(log.filter((e) => e.type === 'session_adopted')).toEqual([expect.objectContaining({ from: 'handoff' })])
  expect(log.filter((e) => e.type === 'refresh_request')).toEqual([])
  expect(await h().counters()).toMatchObject({ logins: 1, refreshes: 0, reuseEvents: 0 })
})

it('settles a deep link as signed out when no tab holds a session', async () => {
  const context = await h().newContext()
  const alone = await h().openTab(context, 'alone', { start: 'later', handoffTimeout: '300' })
  expect(await alone.evaluate(() => window.e2e.ready())).toEqual({ status: 'unauthenticated', accessToken: null })
})
