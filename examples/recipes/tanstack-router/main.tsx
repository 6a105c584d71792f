// main.tsx
import { createRoot } from 'react-dom/client'
import { RouterProvider } from '@tanstack/react-router'
import { AuthProvider } from 'jwt-tab-session'
import { auth } from './auth'
import { router } from './router'
import { onSessionChange } from './sessionChange'

onSessionChange(auth, () => void router.invalidate()) // a logout in another tab: beforeLoad runs again

createRoot(document.getElementById('root')!).render(
  <AuthProvider client={auth}>
    <RouterProvider router={router} />
  </AuthProvider>,
)
