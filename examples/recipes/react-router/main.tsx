// main.tsx
import { createRoot } from 'react-dom/client'
import { createBrowserRouter, RouterProvider } from 'react-router'
import { AuthProvider } from 'jwt-tab-session'
import { auth } from './auth'
import { routes } from './routes'

const router = createBrowserRouter(routes)

createRoot(document.getElementById('root')!).render(
  <AuthProvider client={auth}>
    <RouterProvider router={router} />
  </AuthProvider>,
)
