import type { Meta, StoryObj } from '@storybook/react-vite'
import { useState } from 'react'
import { flushSync } from 'react-dom'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { cookieRestore, restRefresh, type AuthEvent } from '../src'
import { createLockManager } from '../src/testing/tabHarness'
import { DemoApp, RestAuthProvider, StoryLayout } from './support/app'
import { useStoryEnv } from './support/env'
import { EventLog, useEventLog } from './support/eventLog'
import { ServerPanel } from './support/serverPanel'
import { expectSignedIn, loggedEvents, signIn } from './support/play'
import { storyEnv } from './support/storyServer'

/**
 * One run of the browser, from its first tab to its last. It brings its own Web Locks: a browser
 * that closes lets go of every lock its tabs held, among them the one by which `cookieRestore`
 * remembers a refusal for 10 s (in this story's single page, `navigator.locks` would outlive it).
 */
interface BrowserRun {
  run: number
  locks: ReturnType<typeof createLockManager>
}

const startBrowser = (run: number): BrowserRun => ({ run, locks: createLockManager() })

function CookieRestoreDemo() {
  const { storageKey } = useStoryEnv()
  const { events, onEvent } = useEventLog()
  const [browser, setBrowser] = useState<BrowserRun | null>(() => startBrowser(1))
  // The status of every POST /auth/refresh, in order: the cold starts' questions among them.
  const [answers, setAnswers] = useState<string[]>([])
  const [refresh] = useState(() =>
    restRefresh({
      url: '/auth/refresh',
      fetch: async (input, init) => {
        const response = await fetch(input, init)
        setAnswers((previous) => [...previous, String(response.status)])
        return response
      },
    }),
  )

  function closeEveryTabAndReopen() {
    const next = startBrowser((browser?.run ?? 0) + 1)
    flushSync(() => setBrowser(null)) // every tab closed: the provider unmounts, the client stops
    sessionStorage.removeItem(storageKey) // sessionStorage goes with the last tab; the cookie stays
    setBrowser(next)
  }

  return (
    <StoryLayout
      app={
        <>
          <section className="panel" aria-label="Browser">
            <p>
              Browser run <output aria-label="Browser run">{browser?.run}</output>
            </p>
            <div className="actions">
              <button type="button" onClick={closeEveryTabAndReopen}>
                Close every tab and reopen
              </button>
            </div>
          </section>
          {browser && (
            <RestAuthProvider key={browser.run} restore={cookieRestore} locks={browser.locks} refresh={refresh} onEvent={onEvent}>
              <DemoApp cookieMode />
            </RestAuthProvider>
          )}
        </>
      }
      side={
        <>
          <ServerPanel />
          <section className="panel" aria-label="Refresh requests">
            <h3>POST /auth/refresh, answered</h3>
            <output aria-label="Answers">{answers.join(' ') || '—'}</output>
          </section>
          <EventLog events={events} />
        </>
      }
    />
  )
}

const meta = {
  title: 'Flows/13 Cold start from the cookie',
  component: CookieRestoreDemo,
} satisfies Meta<typeof CookieRestoreDemo>

export default meta
type Story = StoryObj<typeof meta>

const answers = (root: HTMLElement) => within(root).getByLabelText('Answers')
const closeAndReopen = (root: HTMLElement) => userEvent.click(within(root).getByRole('button', { name: 'Close every tab and reopen' }))

/**
 * Cookie mode: the server keeps the refresh token in an HttpOnly cookie. Every tab closed, the
 * session is gone from sessionStorage but the cookie is not: the reopened browser finds nothing
 * stored, no tab holds a session (so none is waited for), and `cookieRestore` asks the server once. After a sign-out the cookie is
 * gone: the one question is refused and the page is signed out quietly.
 */
export const CloseEveryTabAndReopen: Story = {
  play: async (context) => {
    const { canvasElement, step } = context
    const { server, storageKey } = storyEnv(context)
    const canvas = within(canvasElement)
    const count = (type: AuthEvent['type']) => loggedEvents(canvasElement, type).length

    await step('The first visit asks too: no cookie yet, refused (400)', async () => {
      await expect(await canvas.findByRole('form', { name: 'Sign in' })).toBeVisible()
      await expect(answers(canvasElement)).toHaveTextContent(/^400$/)
    })
    await step('Sign in in cookie mode', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    await expect(sessionStorage.getItem(storageKey)).not.toBeNull()

    await step('Close every tab and reopen: restored from the cookie', () => closeAndReopen(canvasElement))
    await expectSignedIn(canvasElement, 'Alice')
    await expect(answers(canvasElement)).toHaveTextContent(/^400 200$/)
    await expect(loggedEvents(canvasElement, 'session_restored')[0]).toHaveTextContent('session_restored (cookie)')
    await expect(count('session_restored')).toBe(1)
    await expect(count('handoff_timeout')).toBe(0) // no tab held a session, in either run: no wait for an answer
    await expect(server.control.counters()).toMatchObject({ logins: 1, refreshes: 1, reuseEvents: 0 })

    await step('Sign out: the session is revoked and the cookie cleared', () =>
      userEvent.click(canvas.getByRole('button', { name: 'Log out' })),
    )
    await expect(await canvas.findByRole('form', { name: 'Sign in' })).toBeVisible()
    await waitFor(() => expect(server.control.counters().revocations).toBe(1))
    await expect(count('logged_out')).toBe(1)

    await step('Close every tab and reopen: one refused request, signed out quietly', () => closeAndReopen(canvasElement))
    await waitFor(() => expect(answers(canvasElement)).toHaveTextContent(/^400 200 400$/))
    await expect(await canvas.findByRole('form', { name: 'Sign in' })).toBeVisible()
    await expect(canvas.queryByRole('alert')).toBeNull() // no error, no "why you were signed out"
    await expect(count('logged_out')).toBe(1) // the sign-out's own, none for the reopen
    await expect(count('refresh_failed')).toBe(0)
    await expect(server.control.counters()).toMatchObject({ logins: 1, refreshes: 1, reuseEvents: 0 })
  },
}
