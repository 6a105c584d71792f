import type { ReactNode } from 'react'
import { useNavigate } from 'react-router'
import type { DemoClaims } from '../../shared/app'
import { RequireAuth } from './auth'

/**
 * RequireAuth wired to the router: a visitor without a session goes to the sign-in page through
 * `navigate` (no full page load, so the session state and the query cache stay in memory), with
 * the page to come back to in `returnTo`.
 */
export function Guard({ children, authorize }: { children: ReactNode; authorize?: (claims: DemoClaims) => boolean }) {
  const navigate = useNavigate()
  return (
    <RequireAuth
      authorize={authorize}
      onUnauthenticated={({ returnTo }) => navigate(`/login?returnTo=${encodeURIComponent(returnTo)}`, { replace: true })}
      fallback={<p className="muted">Checking the session…</p>}
      forbidden={
        <p className="forbidden" role="alert">
          Forbidden: your account does not have the role this page needs.
        </p>
      }
    >
      {children}
    </RequireAuth>
  )
}
