import type { Meta, StoryObj } from '@storybook/react-vite'
import { useCallback } from 'react'
import { Link, MemoryRouter, Route, Routes, useLocation, useNavigate } from 'react-router'
import { expect, userEvent, within } from 'storybook/test'
import { RequireAuth, useAuth, useRequireAuth } from './support/auth'
import { LoginForm, RestAuthProvider } from './support/app'
import { ServerPanel } from './support/serverPanel'
import { signIn } from './support/play'

/**
 * Sends a visitor without a session to /login, remembering where they were. The path comes from
 * the router: the `returnTo` that the guard hands to `onUnauthenticated` is read from
 * `window.location`, which a MemoryRouter never changes.
 */
function useRedirectToLogin() {
  const navigate = useNavigate()
  const { pathname } = useLocation()
  return useCallback(() => navigate('/login', { replace: true, state: { returnTo: pathname } }), [navigate, pathname])
}

function LoginPage() {
  const navigate = useNavigate()
  const returnTo = (useLocation().state as { returnTo?: string } | null)?.returnTo ?? '/'
  return (
    <>
      {returnTo !== '/' && <p role="status">Sign in to see {returnTo}</p>}
      <LoginForm onSignedIn={() => navigate(returnTo, { replace: true })} />
    </>
  )
}

/** Guarded with the hook. */
function AccountPage() {
  const redirectToLogin = useRedirectToLogin()
  const guard = useRequireAuth({ onUnauthenticated: redirectToLogin })
  if (guard.status !== 'authenticated') return <p>Checking your session…</p>
  return (
    <section className="panel" aria-label="Account">
      <h3>{guard.claims.name}&apos;s account</h3>
      <p>Roles: {guard.claims.roles.join(', ')}</p>
    </section>
  )
}

/** Guarded with the component, for admins only. */
function AdminPage() {
  const redirectToLogin = useRedirectToLogin()
  return (
    <RequireAuth
      onUnauthenticated={redirectToLogin}
      authorize={(claims) => claims.roles.includes('admin')}
      fallback={<p>Checking your session…</p>}
      forbidden={<p role="alert">Forbidden: the admin console is for admins only.</p>}
    >
      <section className="panel" aria-label="Admin console">
        <h3>Admin console</h3>
      </section>
    </RequireAuth>
  )
}

function NavBar() {
  const { pathname } = useLocation()
  const { isAuthenticated, claims, logout } = useAuth()
  return (
    <nav className="route panel" aria-label="Navigation">
      <Link to="/">Home</Link>
      <Link to="/account">Account</Link>
      <Link to="/admin">Admin</Link>
      <span>
        Path: <output aria-label="Path">{pathname}</output>
      </span>
      {isAuthenticated && (
        <button type="button" onClick={() => void logout()}>
          Log out {claims?.name}
        </button>
      )}
    </nav>
  )
}

function RouterDemo({ initialPath }: { initialPath: string }) {
  return (
    <RestAuthProvider>
      <MemoryRouter initialEntries={[initialPath]}>
        <div className="story-layout">
          <div className="story-app">
            <NavBar />
            <Routes>
              <Route path="/" element={<p>Home: public.</p>} />
              <Route path="/login" element={<LoginPage />} />
              <Route path="/account" element={<AccountPage />} />
              <Route path="/admin" element={<AdminPage />} />
            </Routes>
          </div>
          <div className="story-side">
            <ServerPanel />
          </div>
        </div>
      </MemoryRouter>
    </RestAuthProvider>
  )
}

const meta = {
  title: 'Flows/6 Route guard',
  component: RouterDemo,
} satisfies Meta<typeof RouterDemo>

export default meta
type Story = StoryObj<typeof meta>

const path = (root: HTMLElement) => within(root).getByLabelText('Path')

/** `useRequireAuth` on /account: signed out → /login; after sign-in, back to /account; logout → /login again. */
export const RedirectsToLoginAndBack: Story = {
  args: { initialPath: '/account' },
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    await expect(await canvas.findByText('Sign in to see /account')).toBeVisible()
    await expect(path(canvasElement)).toHaveTextContent('/login')
    await step('Sign in as alice', () => signIn(canvasElement, 'alice'))
    await expect(await canvas.findByRole('heading', { name: "Alice's account" })).toBeVisible()
    await expect(path(canvasElement)).toHaveTextContent('/account')

    await step('Log out', () => userEvent.click(canvas.getByRole('button', { name: 'Log out Alice' })))
    await expect(await canvas.findByText('Sign in to see /account')).toBeVisible()
    await expect(path(canvasElement)).toHaveTextContent('/login')
  },
}

/** `RequireAuth` with `authorize`: alice is signed in but not an admin, so /admin answers forbidden (no redirect loop). */
export const AdminIsForbiddenForAlice: Story = {
  args: { initialPath: '/admin' },
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    await expect(await canvas.findByText('Sign in to see /admin')).toBeVisible()
    await step('Sign in as alice', () => signIn(canvasElement, 'alice'))
    await expect(await canvas.findByRole('alert')).toHaveTextContent('Forbidden: the admin console is for admins only.')
    await expect(path(canvasElement)).toHaveTextContent('/admin')
    await expect(canvas.queryByRole('region', { name: 'Admin console' })).toBeNull()
  },
}

/** The same page for the admin user. */
export const AdminSeesTheConsole: Story = {
  args: { initialPath: '/admin' },
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    await step('Sign in as admin', () => signIn(canvasElement, 'admin'))
    await expect(await canvas.findByRole('region', { name: 'Admin console' })).toBeVisible()
    await expect(path(canvasElement)).toHaveTextContent('/admin')
  },
}
