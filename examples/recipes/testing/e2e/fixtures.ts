// e2e/fixtures.ts — every test starts signed in, without the login page
import { test as base } from '@playwright/test'
import { seedSession } from 'jwt-tab-session/testing/playwright'

export const test = base.extend({
  context: async ({ context }, use) => {
    // context.request shares the context's cookies: the server's HttpOnly cookies land there too
    const response = await context.request.post('/auth/login', { data: { username: 'alice', password: 'alice-password' } })
    // Only the origin of `use: { baseURL }` gets the tokens; pass { origin } to name another
    await seedSession(context, await response.json())
    await use(context)
  },
})
