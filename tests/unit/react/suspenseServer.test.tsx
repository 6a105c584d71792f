// @vitest-environment node
import { Suspense } from 'react'
import { renderToString } from 'react-dom/server'
import { expect, it, vi } from 'vitest'
import { createAuthClient } from '../../../src/core/client'
import { AuthProvider, useSuspenseAuth } from '../../../src/react'
import { refreshSpy } from '../../support/session'

it('renders the Suspense fallback on the server, where the session cannot be known', () => {
  vi.spyOn(console, 'error').mockImplementation(() => {}) // React reports the deliberate throw
  function Name() {
    return <p>{`hello ${String(useSuspenseAuth((auth) => auth.claims?.sub))}`}</p>
  }
  const html = renderToString(
    <AuthProvider client={createAuthClient({ refresh: refreshSpy() })}>
      <Suspense fallback={<p>loading</p>}>
        <Name />
      </Suspense>
    </AuthProvider>,
  )
  expect(html).toContain('loading')
  expect(html).not.toContain('hello')
})
