// Helpers for play functions: what a user does, and what the test reads from the page and the server.
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { PASSWORDS } from './auth'

type Root = HTMLElement

/** Types the credentials into the sign-in form inside `root` and submits it. */
export async function signIn(root: Root, username: keyof typeof PASSWORDS, password: string = PASSWORDS[username]) {
  const form = await within(root).findByRole('form', { name: 'Sign in' })
  await userEvent.type(within(form).getByLabelText('Username'), username)
  await userEvent.type(within(form).getByLabelText('Password'), password)
  await userEvent.click(within(form).getByRole('button', { name: 'Sign in' }))
}

/** Waits for the session card of `name` inside `root`. */
export async function expectSignedIn(root: Root, name: string, timeout = 2_000) {
  const card = await within(root).findByRole('region', { name: 'Session' }, { timeout })
  await expect(within(card).getByText(name)).toBeVisible()
  return card
}

/** The `jti` of the access token shown in `root` (the token itself is never on screen). */
export function shownJti(root: Root): string {
  return within(root).getByTestId('jti').textContent ?? ''
}

/** Entries of one event type in the event log inside `root`. */
export function loggedEvents(root: Root, type: string): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(`[data-event="${type}"]`))
}

/** Waits, up to `timeout`, until the log inside `root` holds at least `count` events of `type`. */
export function waitForEvents(root: Root, type: string, count: number, timeout: number) {
  return waitFor(() => expect(loggedEvents(root, type).length).toBeGreaterThanOrEqual(count), { timeout })
}

/** Every sessionStorage value, to check that no token is left anywhere in it. */
export function sessionStorageValues(): string[] {
  return Array.from({ length: sessionStorage.length }, (_, i) => sessionStorage.getItem(sessionStorage.key(i) ?? '') ?? '')
}
