// Protected.tsx — the guard, handing the redirect to React Router
import type { ReactNode } from 'react'
import { useLocation, useNavigate } from 'react-router'
import { RequireAuth } from 'jwt-tab-session'

export function Protected({ children }: { children: ReactNode }) {
  const navigate = useNavigate()
  const location = useLocation()
  return (
    <RequireAuth
      fallback={<p>Loading…</p>}
      returnTo={location.pathname + location.search + location.hash} // the router's location, right under a basename too
      onUnauthenticated={({ returnTo }) => navigate(`/login?returnTo=${encodeURIComponent(returnTo)}`, { replace: true })}
    >
      {children}
    </RequireAuth>
  )
}
