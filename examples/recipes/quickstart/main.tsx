// main.tsx
import { createRoot } from 'react-dom/client'
import { AuthProvider } from 'jwt-tab-session'
import { Account } from './Account'
import { auth } from './auth'

createRoot(document.getElementById('root')!).render(
  <AuthProvider client={auth}>
    <Account />
  </AuthProvider>,
)
