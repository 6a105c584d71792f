// The React Query example of docs/fetch-and-react-query.md against the reference server: the docs'
// app in one tab (its own module instance and client), a plain client as another tab of the same
// browser (createTabHarness) where the user signs out or another user signs in.
import { act, render, screen } from '@testing-library/react'
import type { AuthClient } from 'jwt-tab-session'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { stubNetwork } from './support/network'
import { browserTabs } from './support/tabs'

const { openTab, signedInTab, stopAll } = browserTabs()
afterEach(stopAll)
beforeEach(() => sessionStorage.clear())

interface Screen {
  /** Whose session the app's tab held when the list changed on screen. */
  user: string | null
  text: string
}

/** The docs' app in a tab of its own: queries.tsx loaded afresh with `tab` as its `./auth`. */
async function openApp(tab: AuthClient) {
  vi.resetModules()
  vi.doMock('./react-query/auth', () => ({ auth: tab }))
  const { App } = await import('./react-query/queries')
  const { container } = render(<App />)
  // Every state of the screen, with the user the tab held then: what a person could have seen.
  const seen: Screen[] = []
  const observer = new MutationObserver(() =>
    seen.push({ user: (tab.getSnapshot().claims?.sub as string | undefined) ?? null, text: container.textContent ?? '' }),
  )
  observer.observe(container, { childList: true, subtree: true, characterData: true })
  return { seen, stop: () => observer.disconnect() }
}

it("shows the new user's todos after another user signs in in another tab, and never the previous user's under the new one", async () => {
  const { signIn } = stubNetwork()
  const other = await signedInTab(() => signIn('alice'))
  const app = await openApp(openTab())
  expect(await screen.findByText('Buy milk')).toBeTruthy() // Alice's session, handed over

  await act(async () => other.login(await signIn('admin')))
  expect(await screen.findByText('Review access logs')).toBeTruthy()
  expect(screen.queryByText('Buy milk')).toBeNull()
  app.stop()
  const underAdmin = app.seen.filter((state) => state.user === 'user-admin')
  expect(underAdmin.length).toBeGreaterThan(0)
  expect(underAdmin.filter((state) => /Buy milk|Write the refresh tests/.test(state.text))).toEqual([])
})

it('asks to sign in, with no todos left on screen, after a logout in another tab', async () => {
  const { signIn, seen } = stubNetwork()
  const other = await signedInTab(() => signIn('alice'))
  const app = await openApp(openTab())
  expect(await screen.findByText('Buy milk')).toBeTruthy()
  const todoRequests = () => seen.filter((request) => request.url.endsWith('/api/todos?page=2')).length
  const before = todoRequests()

  await act(() => other.logout())
  expect(await screen.findByText('Sign in to see your todos.')).toBeTruthy()
  expect(screen.queryAllByRole('listitem')).toEqual([])
  app.stop()
  expect(app.seen.filter((state) => state.user === null && /Buy milk/.test(state.text))).toEqual([])
  expect(todoRequests()).toBe(before) // signed out: the query failed `unauthenticated` and sent nothing

  await act(async () => other.login(await signIn('alice')))
  expect(await screen.findByText('Buy milk')).toBeTruthy() // the failed query runs again under the new login
})
