import { AuthProvider, RequireAuth, useAuth, type AuthProviderProps } from '../../../src/react'

/** One app for the server render (node) and the hydration (jsdom), so both sides render the same tree. */
function Greeting() {
  const status = useAuth((s) => s.status)
  const sub = useAuth((s) => s.claims?.sub)
  return <header>{status === 'authenticated' ? `Hello ${sub}` : `Session: ${status}`}</header>
}

export function App(props: AuthProviderProps) {
  return (
    <AuthProvider {...props}>
      <Greeting />
      <main>
        <RequireAuth fallback={<p>Loading session…</p>} redirectTo="/login" forbidden={<p>Forbidden</p>}>
          <p>Your orders</p>
        </RequireAuth>
      </main>
    </AuthProvider>
  )
}

/** What the server sends: the session is unknown there, so the initializing state and the fallback. */
export const SERVER_HTML = '<header>Session: initializing</header><main><p>Loading session…</p></main>'
export const SIGNED_IN_HTML = '<header>Hello kim</header><main><p>Your orders</p></main>'
