// The first-paint page of `npm run bench`: a React app as users write one, measured from the
// start of its script to the first commit that shows `authenticated` in a new tab (the session
// handed over by an open tab). `?ready=module` calls `auth.ready()` at module load, so the
// handoff starts before React renders; without it the provider's `start()` begins it.
import { createElement, useLayoutEffect } from 'react'
import { createRoot } from 'react-dom/client'
import { createAuthClient, restRefresh, restRevoke } from '../../../src/core'
import { AuthProvider, useAuth } from '../../../src/react'

declare global {
  interface Window {
    firstPaint?: { authenticatedAfter: number; mode: string }
  }
}

const scriptStartedAt = performance.now()
const mode = new URLSearchParams(location.search).get('ready') === 'module' ? 'module' : 'provider'

const auth = createAuthClient({ refresh: restRefresh({ url: '/auth/refresh' }), revoke: restRevoke({ url: '/auth/logout' }) })
if (mode === 'module') void auth.ready()

function Status() {
  const status = useAuth((state) => state.status)
  useLayoutEffect(() => {
    if (status === 'authenticated' && !window.firstPaint) {
      window.firstPaint = { authenticatedAfter: performance.now() - scriptStartedAt, mode }
    }
  }, [status])
  return createElement('p', null, status)
}

createRoot(document.body.appendChild(document.createElement('main'))).render(
  createElement(AuthProvider, { client: auth }, createElement(Status)),
)
