// The worker fixture of docs/testing.md: one sign-in through the login page per worker, carried
// into every test's context.
import { expect } from '@playwright/test'
import { test } from './workerFixtures'

test('opens a guarded page signed in, without the login page', async ({ page }) => {
  await page.goto('/account')
  await expect(page.getByRole('heading', { name: 'Signed in as Alice' })).toBeVisible()
  expect(new URL(page.url()).pathname).toBe('/account')
})

test('starts a second test from the same session', async ({ page }) => {
  await page.goto('/account')
  await expect(page.getByRole('heading', { name: 'Signed in as Alice' })).toBeVisible()
})
