// The first-paint page of `npm run bench`: a React app as users write one, in a new tab (while
// another tab is signed in, or on a first visit with none), timed from the start of its script to:
// React's first commit (any status), the session known to the client (handed over by the open
// tab, or known to be absent), and the first commit that shows that status. `?ready=module` calls `auth.ready()` at module load, so the handoff
// runs while React starts; without it the provider's `start()` begins it after the first commit.
import { createElement, useLayoutEffect } from 'react'
import { createRoot } from 'react-dom/client'
import { createAuthClient, restRefresh, restRevoke } from '../../../src/core'
import { AuthProvider, useAuth } from '../../../src/react'

declare global {
  interface Window {
    firstPaint?: { firstCommitAfter: number; sessionKnownAfter: number; authenticatedAfter: number; mode: string; status: string }
  }
}

const scriptStartedAt = performance.now()
const since = () => performance.now() - scriptStartedAt
let firstCommitAfter: number | null = null
let sessionKnownAfter: number | null = null
const mode = new URLSearchParams(location.search).get('ready') === 'module' ? 'module' : 'provider'

const auth = createAuthClient({ refresh: restRefresh({ url: '/auth/refresh' }), revoke: restRevoke({ url: '/auth/logout' }) })
auth.subscribe(() => (sessionKnownAfter ??= auth.getSnapshot().status !== 'initializing' ? since() : null))
if (mode === 'module') void auth.ready()

function Status() {
  const status = useAuth((state) => state.status)
  useLayoutEffect(() => {
    firstCommitAfter ??= since()
    if (status !== 'initializing' && !window.firstPaint) {
      window.firstPaint = { firstCommitAfter, sessionKnownAfter: sessionKnownAfter ?? since(), authenticatedAfter: since(), mode, status }
    }
  }, [status])
  return createElement('p', null, status)
}

createRoot(document.body.appendChild(document.createElement('main'))).render(
  createElement(AuthProvider, { client: auth }, createElement(Status)),
)
