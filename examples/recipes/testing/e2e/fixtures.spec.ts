// The first fixture of docs/testing.md: every test starts signed in, seeded before the app loads.
import { expect } from '@playwright/test'
import { test } from './fixtures'

test('opens a guarded page signed in, without the login page', async ({ page }) => {
  await page.goto('/account')
  await expect(page.getByRole('heading', { name: 'Signed in as Alice' })).toBeVisible()
  expect(new URL(page.url()).pathname).toBe('/account')
})
