// e2e/workerFixtures.ts — log in once per worker through the UI
import { test as base, type Cookie } from '@playwright/test'
import { captureSession, restoreSession, type SessionEntry } from 'jwt-tab-session/testing/playwright'

export const test = base.extend<object, { signedIn: { session: SessionEntry; cookies: Cookie[] } }>({
  signedIn: [
    async ({ browser }, use, workerInfo) => {
      const page = await browser.newPage({ baseURL: workerInfo.project.use.baseURL })
      await page.goto('/account') // a guarded page: the app sends the visitor to its login page, and back after it
      await page.getByLabel('Username').fill('alice')
      await page.getByLabel('Password').fill('alice-password')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Signed in as Alice' }).waitFor() // back on the page: the app holds the session now
      const session = await captureSession(page)
      const cookies = await page.context().cookies()
      await page.close()
      await use({ session, cookies })
    },
    { scope: 'worker' },
  ],
  context: async ({ context, signedIn }, use) => {
    await context.addCookies(signedIn.cookies) // what storageState would have carried
    await restoreSession(context, signedIn.session)
    await use(context)
  },
})
