import type { Preview } from '@storybook/react-vite'
import { initialize, mswLoader } from 'msw-storybook-addon'
import { StrictMode } from 'react'
import { withStoryEnv } from '../stories/support/env'
import { authServerHandlers, authServerLoader } from '../stories/support/storyServer'
import '../stories/support/story.css'

// Paths the mock backend owns: a request there that no handler answered is a bug, not an asset.
const BACKEND_PATHS = /^\/(auth|api|graphql)(\/|$)/

initialize({
  quiet: true,
  onUnhandledRequest(request, print) {
    // msw-storybook-addon has already let Storybook's and Vite's own files through. The story's
    // modules come from the dev server; anything else (another origin, a write, a backend path)
    // would reach the network: fail the request and log an error, which fails the test.
    const url = new URL(request.url)
    const isAsset = url.origin === location.origin && request.method === 'GET' && !BACKEND_PATHS.test(url.pathname)
    if (!isAsset) print.error()
  },
})

const preview: Preview = {
  // mswLoader applies parameters.msw.handlers; authServerLoader then makes the story's own server.
  loaders: [mswLoader, authServerLoader],
  decorators: [
    withStoryEnv,
    // Every story runs under StrictMode, as the library promises to be a non-event there.
    (Story) => (
      <StrictMode>
        <Story />
      </StrictMode>
    ),
  ],
  beforeEach() {
    // Stories are independent: no session survives from the previous one.
    sessionStorage.clear()
  },
  parameters: {
    layout: 'padded',
    msw: { handlers: authServerHandlers },
    options: {
      storySort: {
        order: [
          'Introduction',
          'Flows',
          [
            '1 Login',
            '2 Logout',
            '3 Silent refresh',
            '4 Refresh rejected',
            '5 Refresh endpoint down',
            '6 Route guard',
            '7 React Query',
            '8 Cross-tab',
            '9 Force logout and fingerprint',
            '10 GraphQL (Hasura)',
            '11 Session timeout',
            '12 Step-up sign-in',
            '13 Cold start from the cookie',
            '14 Route loader and Suspense',
            '15 DPoP',
          ],
        ],
      },
    },
  },
}

export default preview
