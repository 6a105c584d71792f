// data/main.tsx — the data router: its first loaders start at once, before React renders
import { createRoot } from 'react-dom/client'
import { createBrowserRouter, RouterProvider } from 'react-router'
import { AuthProvider } from 'jwt-tab-session'
import { auth } from '../auth'
import { dataRoutes } from './routes'
import { onSessionChange } from './sessionChange'

const router = createBrowserRouter(dataRoutes(auth))
onSessionChange(auth, () => void router.revalidate()) // a logout in another tab: the guard runs again

createRoot(document.getElementById('root')!).render(
  <AuthProvider client={auth}>
    <RouterProvider router={router} />
  </AuthProvider>,
)
