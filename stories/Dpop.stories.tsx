import type { Meta, StoryObj } from '@storybook/react-vite'
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose'
import { useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { dpop, restRefresh, restRevoke } from '../src'
import { useAuth } from './support/auth'
import { DemoApp, RestAuthProvider, StoryLayout } from './support/app'
import { replayAsBearer, replayWithAnotherKey } from './support/backstage'
import { useStoryEnv } from './support/env'
import { EventLog, useEventLog } from './support/eventLog'
import { ServerPanel } from './support/serverPanel'
import { expectSignedIn, loggedEvents, shownJti, signIn } from './support/play'
import { storyEnv, type AuthServerParameters } from './support/storyServer'

/** One request as it left the app, below the library's signing: what the server gets. */
interface Sent {
  id: number
  /** `POST /auth/login` */
  request: string
  /** The `Authorization` scheme (`DPoP`, `Bearer`), or null for none. */
  scheme: string | null
  /** RFC 7638 thumbprint of the public key in the request's `DPoP` proof; null without a proof. */
  key: string | null
  /** The proof carries the access token's hash (`ath`). */
  ath: boolean
  /** `200`, or `400 use_dpop_nonce`. */
  answer: string
}

async function readProof(proof: string): Promise<Pick<Sent, 'key' | 'ath'>> {
  const { jwk } = decodeProtectedHeader(proof)
  return { key: jwk ? await calculateJwkThumbprint(jwk) : null, ath: typeof decodeJwt(proof).ath === 'string' }
}

/** The app's fetch for every request (login, API, refresh, revoke), noting each one as sent. */
function recordingFetch(record: (sent: Sent) => void): typeof fetch {
  let next = 0
  return async (input, init) => {
    const request = new Request(input, init)
    const id = ++next
    const proof = request.headers.get('dpop')
    const { key, ath } = proof ? await readProof(proof) : { key: null, ath: false }
    const scheme = request.headers.get('authorization')?.split(' ')[0] ?? null
    const response = await fetch(request)
    const error = response.ok
      ? undefined
      : await response
          .clone()
          .json()
          .then(
            (body: { error?: string }) => body.error,
            () => undefined,
          )
    const { pathname } = new URL(request.url)
    record({
      id,
      request: `${request.method} ${pathname}`,
      scheme,
      key,
      ath,
      answer: error ? `${response.status} ${error}` : String(response.status),
    })
    return response
  }
}

const short = (key: string) => `${key.slice(0, 8)}…`

/** The app's side: the key the login was signed with, the key the token names, and an API call. */
function KeyPanel({ sent }: { sent: Sent[] }) {
  const { claims, fetch } = useAuth()
  const [answers, setAnswers] = useState<string[]>([])
  const boundTo = (claims?.cnf as { jkt?: string } | undefined)?.jkt
  const loginKey = sent.find((each) => each.request === 'POST /auth/login' && each.answer === '200')?.key

  async function callApi() {
    const response = await fetch('/api/me')
    const body = (await response.json()) as { name?: string; error?: string }
    setAnswers((previous) => [...previous, `${response.status} ${body.name ?? body.error}`])
  }

  return (
    <section className="panel" aria-label="DPoP key">
      <h3>The session&apos;s key</h3>
      <dl>
        <dt>Key that signed the login</dt>
        <dd data-testid="login-key">{loginKey ?? '—'}</dd>
        <dt>Token&apos;s cnf.jkt</dt>
        <dd data-testid="cnf-jkt">{boundTo ?? '—'}</dd>
      </dl>
      <p data-testid="binding">{loginKey && boundTo === loginKey ? 'The token is bound to that key.' : 'The token names another key.'}</p>
      <div className="actions">
        <button type="button" onClick={() => void callApi()}>
          Call /api/me
        </button>
      </div>
      <ul aria-label="Answers">
        {answers.map((answer, index) => (
          <li key={index}>
            <output>{answer}</output>
          </li>
        ))}
      </ul>
    </section>
  )
}

/** Backstage: the app's access token, copied out of the tab, sent without the key. */
function Thief() {
  const { server } = useStoryEnv()
  const accessToken = useAuth((auth) => auth.accessToken)
  const [answers, setAnswers] = useState<{ how: string; answer: string }[]>([])

  async function replay(how: string, send: () => Promise<Response>) {
    const response = await send()
    const { error } = (await response.json()) as { error?: string }
    setAnswers((previous) => [...previous, { how, answer: `${response.status} ${error ?? ''}`.trim() }])
  }

  return (
    <section className="panel server" aria-label="Token thief">
      <h3>Token thief (backstage)</h3>
      <div className="actions">
        <button type="button" disabled={!accessToken} onClick={() => void replay('As Bearer', () => replayAsBearer(server, accessToken!))}>
          Replay the token as Bearer
        </button>
        <button
          type="button"
          disabled={!accessToken}
          onClick={() => void replay('With the thief’s key', () => replayWithAnotherKey(server, accessToken!))}
        >
          Replay it with another key
        </button>
      </div>
      <ul aria-label="Thief's answers">
        {answers.map(({ how, answer }, index) => (
          <li key={index}>
            {how}: <output>{answer}</output>
          </li>
        ))}
      </ul>
    </section>
  )
}

function SentLog({ sent }: { sent: Sent[] }) {
  return (
    <section className="panel" aria-label="Requests">
      <h3>Requests, as sent</h3>
      {sent.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <ol className="log" reversed>
          {sent.map((each) => (
            <li
              key={each.id}
              data-request={each.request}
              data-scheme={each.scheme ?? ''}
              data-key={each.key ?? ''}
              data-ath={each.ath}
              data-answer={each.answer}
            >
              {each.request}
              {each.scheme && ` · ${each.scheme}`}
              {each.key ? ` · proof of ${short(each.key)}${each.ath ? ' with ath' : ''}` : ' · no proof'} → {each.answer}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

function DpopDemo() {
  const { events, onEvent } = useEventLog()
  const [sent, setSent] = useState<Sent[]>([])
  // Made once: the provider reads its options on the first render.
  const [options] = useState(() => {
    const record = recordingFetch((entry) => setSent((previous) => [entry, ...previous]))
    return {
      dpop: dpop(),
      fetch: record,
      refresh: restRefresh({ url: '/auth/refresh', fetch: record }),
      revoke: restRevoke({ url: '/auth/logout', fetch: record }),
    }
  })
  return (
    <RestAuthProvider {...options} onEvent={onEvent}>
      <StoryLayout
        app={
          <DemoApp>
            <KeyPanel sent={sent} />
          </DemoApp>
        }
        side={
          <>
            <ServerPanel />
            <Thief />
            <SentLog sent={sent} />
            <EventLog events={events} />
          </>
        }
      />
    </RestAuthProvider>
  )
}

const meta = {
  title: 'Flows/15 DPoP',
  render: () => <DpopDemo />,
  // Nonces on: the server's first answer to a proof without one is a challenge.
  parameters: { authServer: { dpop: true, dpopNonce: true } satisfies AuthServerParameters },
} satisfies Meta

export default meta
type Story = StoryObj<typeof meta>

/** The requests in the log inside `root` named `request` (`GET /api/me`), oldest first. */
function sentRequests(root: HTMLElement, request?: string) {
  const items = Array.from(root.querySelectorAll<HTMLElement>('[data-request]')).reverse()
  return items
    .filter((item) => request === undefined || item.dataset.request === request)
    .map((item) => ({
      scheme: item.dataset.scheme,
      key: item.dataset.key,
      ath: item.dataset.ath === 'true',
      answer: item.dataset.answer,
    }))
}

/** Key pairs in the default key store, IndexedDB `jwt-session-dpop` (0 before it exists). */
async function storedKeys(): Promise<number> {
  if (!(await indexedDB.databases()).some((database) => database.name === 'jwt-session-dpop')) return 0
  const opened = indexedDB.open('jwt-session-dpop')
  const database = await new Promise<IDBDatabase>((resolve, reject) => {
    opened.onsuccess = () => resolve(opened.result)
    opened.onerror = () => reject(opened.error)
  })
  try {
    if (!database.objectStoreNames.contains('keys')) return 0
    const counted = database.transaction('keys').objectStore('keys').count()
    return await new Promise<number>((resolve, reject) => {
      counted.onsuccess = () => resolve(counted.result)
      counted.onerror = () => reject(counted.error)
    })
  } finally {
    database.close()
  }
}

/**
 * `dpop: dpop()` and the login sent with `auth.loginFetch`: a new key signs the login, the server
 * binds the tokens to it (`cnf.jkt`), and every later request carries `Authorization: DPoP` and a
 * proof of it. A refresh keeps the key. The access token without the key — as Bearer, or with a
 * proof of another key — is refused with 401, from this very browser. Logging out deletes the key.
 */
export const BoundToAKey: Story = {
  play: async (context) => {
    const { canvasElement, step } = context
    const { server } = storyEnv(context)
    const canvas = within(canvasElement)
    const keysBefore = await storedKeys()

    await step('Sign in: auth.loginFetch signs the login with a new key', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    // The server asked for its nonce once; loginFetch answered, spending no second login.
    const logins = sentRequests(canvasElement, 'POST /auth/login')
    await expect(logins.map(({ scheme, answer }) => [scheme, answer])).toEqual([
      ['', '400 use_dpop_nonce'],
      ['', '200'],
    ])
    const key = logins[1]!.key!
    await expect(key).toMatch(/^[\w-]{43}$/)
    await expect(logins[0]!.key).toBe(key)
    await expect(canvas.getByTestId('login-key')).toHaveTextContent(key)
    await expect(canvas.getByTestId('cnf-jkt')).toHaveTextContent(key)
    await expect(canvas.getByTestId('binding')).toHaveTextContent('The token is bound to that key.')
    await expect(await storedKeys()).toBe(keysBefore + 1)
    await expect(server.control.counters()).toMatchObject({ logins: 1, refreshes: 0, unauthorized: 0 })

    await step('Call /api/me: Authorization: DPoP, with a proof of the same key', () =>
      userEvent.click(canvas.getByRole('button', { name: 'Call /api/me' })),
    )
    await expect(await canvas.findByText('200 Alice')).toBeVisible()
    await expect(sentRequests(canvasElement, 'GET /api/me')).toEqual([{ scheme: 'DPoP', key, ath: true, answer: '200' }])

    await step('Refresh now: a new token, bound to the same key', async () => {
      const jti = shownJti(canvasElement)
      await userEvent.click(canvas.getByRole('button', { name: 'Refresh now' }))
      await waitFor(() => expect(shownJti(canvasElement)).not.toBe(jti))
    })
    await expect(sentRequests(canvasElement, 'POST /auth/refresh')).toEqual([{ scheme: '', key, ath: false, answer: '200' }])
    await expect(canvas.getByTestId('cnf-jkt')).toHaveTextContent(key)
    await userEvent.click(canvas.getByRole('button', { name: 'Call /api/me' }))
    await waitFor(() => expect(canvas.getAllByText('200 Alice')).toHaveLength(2))

    const thief = within(canvas.getByRole('region', { name: 'Token thief' }))
    await step('A thief replays the token as Bearer, from this browser', () =>
      userEvent.click(thief.getByRole('button', { name: 'Replay the token as Bearer' })),
    )
    await expect(await thief.findByText('401 invalid_token')).toBeVisible()
    await step('…and with a proof signed by a key of its own', () =>
      userEvent.click(thief.getByRole('button', { name: 'Replay it with another key' })),
    )
    await waitFor(() => expect(thief.getAllByText('401 invalid_token')).toHaveLength(2))
    // Both 401s are the thief's: the app saw none and spent no refresh on them; its session is kept.
    await expect(server.control.counters()).toMatchObject({ logins: 1, refreshes: 1, reuseEvents: 0, unauthorized: 2 })
    await expectSignedIn(canvasElement, 'Alice')
    const all = sentRequests(canvasElement)
    await expect(all.every((each) => each.key === key)).toBe(true)
    await expect(all.filter((each) => each.scheme !== '').map((each) => each.scheme)).toEqual(['DPoP', 'DPoP'])
    await expect(all.filter((each) => each.answer?.startsWith('401'))).toEqual([])
    await expect(loggedEvents(canvasElement, 'logged_in')).toHaveLength(1)
    await expect(loggedEvents(canvasElement, 'refresh_succeeded')).toHaveLength(1)
    await expect(loggedEvents(canvasElement, 'refresh_failed')).toHaveLength(0)

    await step('Log out: the session is revoked and its key deleted', () =>
      userEvent.click(canvas.getByRole('button', { name: 'Log out' })),
    )
    await expect(await canvas.findByRole('form', { name: 'Sign in' })).toBeVisible()
    await waitFor(() => expect(server.control.counters().revocations).toBe(1))
    // The log shows the answer once React has drawn it, which may be after the server counted it.
    await waitFor(() =>
      expect(sentRequests(canvasElement, 'POST /auth/logout')).toEqual([{ scheme: 'DPoP', key, ath: true, answer: '204' }]),
    )
    await waitFor(async () => expect(await storedKeys()).toBe(keysBefore))
  },
}
