// The warning dialog of docs/react.md (useSessionTimeout) against the reference server, with limits
// of a second or two so that the test runs in real time.
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { beforeAll, expect, it } from 'vitest'
import { AuthProvider, createAuthClient, restRefresh, restRevoke, sessionTimeout, type SessionTimeoutOptions } from 'jwt-tab-session'
import { stubNetwork } from '../support/network'
import { SessionWarning } from './SessionWarning'

beforeAll(() => {
  // jsdom has <dialog> but not its modal methods; the browser's own are tested in the stories.
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.open = true
  }
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.open = false
  }
})

async function signedIn(limits: SessionTimeoutOptions, storageKey: string) {
  const network = stubNetwork()
  const auth = createAuthClient({
    refresh: restRefresh({ url: '/auth/refresh' }),
    revoke: restRevoke({ url: '/auth/logout' }),
    storageKey,
    timeout: sessionTimeout(limits),
  })
  render(
    <AuthProvider client={auth}>
      <textarea aria-label="Draft" />
      <SessionWarning />
    </AuthProvider>,
  )
  const draft = screen.getByRole('textbox', { name: 'Draft' })
  draft.focus()
  const pair = await network.signIn()
  act(() => auth.login(pair))
  return { auth, network, draft }
}

const activate = () => act(() => (document.activeElement as HTMLElement).click()) // what Enter does to a focused button

it('idle: warns with focus on "Stay signed in", Enter and Escape extend, then signs out and revokes', async () => {
  const { auth, network, draft } = await signedIn({ idleTimeout: 1500, warnBefore: 1000 }, 'idle')

  let dialog = await screen.findByRole('alertdialog', { name: 'Are you still there?' }, { timeout: 2000 })
  expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Stay signed in' }))
  expect(dialog.textContent).toMatch(/signed out in [01] s because of inactivity/)
  await activate()
  expect(screen.queryByRole('alertdialog')).toBeNull()
  expect(auth.getSnapshot().expiring).toBeNull()
  expect(document.activeElement).toBe(draft) // focus is back where it was

  dialog = await screen.findByRole('alertdialog', { name: 'Are you still there?' }, { timeout: 2000 })
  act(() => void fireEvent(dialog, new Event('cancel', { cancelable: true }))) // Escape
  expect(screen.queryByRole('alertdialog')).toBeNull()

  await screen.findByRole('alertdialog', { name: 'Are you still there?' }, { timeout: 2000 })
  await waitFor(() => expect(auth.getSnapshot().ended?.reason).toBe('idle'), { timeout: 2000 })
  expect(screen.queryByRole('alertdialog')).toBeNull()
  await waitFor(() => expect(network.server.control.counters().revocations).toBe(1))
})

it('max age: the warning cannot extend the session; OK closes it and the session ends at its age', async () => {
  const { auth } = await signedIn({ maxSessionAge: 2500, warnBefore: 2000 }, 'max-age')

  await screen.findByRole('alertdialog', { name: 'Your session is ending' }, { timeout: 2000 })
  expect(document.activeElement).toBe(screen.getByRole('button', { name: 'OK' }))
  await activate()
  expect(screen.queryByRole('alertdialog')).toBeNull()
  expect(auth.getSnapshot().expiring?.reason).toBe('max_age') // closed here, still coming
  await waitFor(() => expect(auth.getSnapshot().ended?.reason).toBe('max_age'), { timeout: 3000 })
})
