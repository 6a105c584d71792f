import type { Meta, StoryObj } from '@storybook/react-vite'
import { Suspense, useState } from 'react'
import {
  createMemoryRouter,
  Outlet,
  redirect,
  RouterProvider,
  useLoaderData,
  useLocation,
  useNavigate,
  useSearchParams,
  type LoaderFunctionArgs,
} from 'react-router'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { AuthProvider, createAuthClient, type AuthClient, type AuthEvent } from '../src'
import { onSessionChange } from '../examples/recipes/react-router/data/sessionChange'
import type { DemoClaims } from '../examples/shared/app'
import { Countdown, LoginForm, StoryLayout } from './support/app'
import { restAuthOptions, useAuth, useSuspenseAuth } from './support/auth'
import { useStoryEnv } from './support/env'
import { EventLog, useEventLog } from './support/eventLog'
import { ServerPanel } from './support/serverPanel'
import { signIn } from './support/play'
import { storyEnv, type AuthServerParameters } from './support/storyServer'

// Access-token lifetime, in seconds: short, so the story can wait for a stored one to run out.
const TTL = 4

/**
 * The /account loader: `auth.ready()` waits for the session (stored, handed over by another tab,
 * or refreshed) before the page renders, even before <AuthProvider> has started the client. One
 * route, so a loader will do; with child routes make it middleware (docs/recipes.md).
 */
function accountLoader(auth: AuthClient<DemoClaims>) {
  return async ({ request }: LoaderFunctionArgs): Promise<{ name: string }> => {
    const { status, claims } = await auth.ready()
    if (status !== 'authenticated' || !claims) {
      const { pathname, search } = new URL(request.url)
      throw redirect(`/login?returnTo=${encodeURIComponent(pathname + search)}`)
    }
    return { name: claims.name }
  }
}

function AccountPage() {
  const { name } = useLoaderData<{ name: string }>()
  return (
    <section className="panel" aria-label="Account">
      <h3>{name}&apos;s account</h3>
      <p className="muted">The loader resolved with this session before the page rendered.</p>
    </section>
  )
}

/** Says why the last session ended (`state.ended`), then the form; back to `returnTo` after signing in. */
function LoginPage() {
  const navigate = useNavigate()
  const [params] = useSearchParams()
  const returnTo = params.get('returnTo') ?? '/account'
  const ended = useAuth((auth) => auth.ended)
  return (
    <>
      {ended && (
        <p role="status">
          Signed out: <code>state.ended.reason</code> is <output aria-label="Ended reason">{ended.reason}</output>
        </p>
      )}
      <LoginForm onSignedIn={() => void navigate(returnTo, { replace: true })} />
    </>
  )
}

function Layout() {
  const { pathname, search } = useLocation()
  return (
    <>
      <nav className="route panel" aria-label="Navigation">
        Path: <output aria-label="Path">{pathname + search}</output>
      </nav>
      <Outlet />
    </>
  )
}

/** The header's account menu: with useSuspenseAuth it never sees `initializing`; the fallback shows instead. */
function AccountMenu() {
  const name = useSuspenseAuth((auth) => auth.claims?.name)
  const logout = useAuth((auth) => auth.logout)
  if (!name) return <p>Not signed in</p>
  return (
    <p>
      Signed in as <strong>{name}</strong>{' '}
      <button type="button" onClick={() => void logout()}>
        Log out
      </button>
    </p>
  )
}

interface PageLoad {
  auth: AuthClient<DemoClaims>
  router: ReturnType<typeof createMemoryRouter>
  close: () => void
}

/** A page load at /account, as main.tsx does it: the client, then the router, whose loader starts at once. */
function loadPage(storageKey: string, onEvent: (event: AuthEvent) => void): PageLoad {
  const auth = createAuthClient<DemoClaims>({ ...restAuthOptions(storageKey), onEvent })
  const router = createMemoryRouter(
    [
      {
        element: <Layout />,
        children: [
          { path: '/login', element: <LoginPage /> },
          {
            path: '/account',
            loader: accountLoader(auth),
            hydrateFallbackElement: <p>Route loader: waiting for auth.ready()…</p>,
            element: <AccountPage />,
          },
        ],
      },
    ],
    { initialEntries: ['/account'] },
  )
  // A logout (here or in another tab): the loader runs again, and redirects.
  const stopWatching = onSessionChange(auth, () => void router.revalidate())
  return { auth, router, close: stopWatching }
}

function ReadyAndSuspenseDemo() {
  const { storageKey } = useStoryEnv()
  const { events, onEvent } = useEventLog()
  const [page, setPage] = useState<PageLoad | null>(null)
  // When the access token the closed page left in sessionStorage runs out.
  const [storedExpiresAt, setStoredExpiresAt] = useState<number | null>(null)

  function close() {
    page?.close()
    setStoredExpiresAt(page?.auth.getSnapshot().expiresAt ?? null)
    setPage(null)
  }

  return (
    <StoryLayout
      app={
        <>
          <section className="panel" aria-label="Browser tab">
            {page ? (
              <button type="button" onClick={close}>
                Close the page
              </button>
            ) : (
              <>
                <button type="button" onClick={() => setPage(loadPage(storageKey, onEvent))}>
                  Open /account
                </button>
                {storedExpiresAt !== null && (
                  <p>
                    Closed. The access token it left in sessionStorage expires in <Countdown expiresAt={storedExpiresAt} />
                  </p>
                )}
              </>
            )}
          </section>
          {page && (
            <AuthProvider client={page.auth}>
              <section className="panel" aria-label="Account menu">
                <Suspense fallback={<p>Suspense fallback: the session is not known yet</p>}>
                  <AccountMenu />
                </Suspense>
              </section>
              <RouterProvider router={page.router} />
            </AuthProvider>
          )}
        </>
      }
      side={
        <>
          <ServerPanel />
          <EventLog events={events} />
        </>
      }
    />
  )
}

const meta = {
  title: 'Flows/14 Route loader and Suspense',
  component: ReadyAndSuspenseDemo,
  parameters: { authServer: { accessTokenTtl: TTL } satisfies AuthServerParameters },
} satisfies Meta<typeof ReadyAndSuspenseDemo>

export default meta
type Story = StoryObj<typeof meta>

const path = (root: HTMLElement) => within(root).getByLabelText('Path')
const menu = (root: HTMLElement) => within(root).getByRole('region', { name: 'Account menu' })

/**
 * Each "Open /account" is a new page load: a new client and a router whose loader awaits
 * `auth.ready()` before React renders, while the header's `useSuspenseAuth()` shows its fallback.
 * Signed out, the loader redirects to /login?returnTo=%2Faccount. Reopened after its stored access
 * token ran out, the page waits for one refresh, then shows the account. A logout runs the loader
 * again: back to the sign-in page, which says why (`state.ended.reason`).
 */
export const LoaderAndSuspense: Story = {
  play: async (context) => {
    const { canvasElement, step } = context
    const { server } = storyEnv(context)
    const canvas = within(canvasElement)
    const open = () => userEvent.click(canvas.getByRole('button', { name: 'Open /account' }))

    await step('Open /account signed out: the loader redirects', open)
    await expect(await canvas.findByText('Suspense fallback: the session is not known yet')).toBeVisible()
    await expect(await within(menu(canvasElement)).findByText('Not signed in')).toBeVisible()
    await waitFor(() => expect(path(canvasElement)).toHaveTextContent('/login?returnTo=%2Faccount'))
    await expect(canvas.queryByLabelText('Ended reason')).toBeNull() // a new page: no session ended in it

    await step('Sign in: back to /account', () => signIn(canvasElement, 'alice'))
    await expect(await canvas.findByRole('heading', { name: "Alice's account" })).toBeVisible()
    await expect(path(canvasElement)).toHaveTextContent(/^\/account$/)

    await step(`Close the page and wait ${TTL} s: the stored access token runs out`, async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Close the page' }))
      await waitFor(() => expect(canvas.getByLabelText('Access token expires in')).toHaveTextContent('expired'), {
        timeout: TTL * 1000 + 1_000,
      })
    })
    await expect(server.control.counters().refreshes).toBe(0)

    await step('Open /account again: the fallbacks, one refresh, then the page', open)
    await expect(await canvas.findByText('Suspense fallback: the session is not known yet')).toBeVisible()
    await expect(canvas.getByText('Route loader: waiting for auth.ready()…')).toBeVisible()
    await expect(await canvas.findByRole('heading', { name: "Alice's account" })).toBeVisible()
    await expect(within(menu(canvasElement)).getByText('Alice')).toBeVisible()
    await expect(path(canvasElement)).toHaveTextContent(/^\/account$/)
    await expect(server.control.counters()).toMatchObject({ logins: 1, refreshes: 1, reuseEvents: 0 })

    await step('Log out: the loader runs again and redirects', () =>
      userEvent.click(within(menu(canvasElement)).getByRole('button', { name: 'Log out' })),
    )
    await waitFor(() => expect(path(canvasElement)).toHaveTextContent('/login?returnTo=%2Faccount'))
    await expect(canvas.getByLabelText('Ended reason')).toHaveTextContent('user')
    await expect(within(menu(canvasElement)).getByText('Not signed in')).toBeVisible()
  },
}
