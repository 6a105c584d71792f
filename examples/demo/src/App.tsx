import { useBindQueryClient } from 'jwt-tab-session/react-query'
import { NavLink, Route, Routes } from 'react-router'
import { auth, isAdmin, useAuth } from './auth'
import { Guard } from './Guard'
import { AdminPage } from './pages/AdminPage'
import { LoginPage } from './pages/LoginPage'
import { TodosPage } from './pages/TodosPage'
import { SessionPanel } from './SessionPanel'
import { SessionTimeoutDialog } from '../../shared/SessionTimeoutDialog'

export function App() {
  // Clears the todo cache when the session ends or another user signs in, in this tab or any other.
  useBindQueryClient(auth)
  const signedIn = useAuth((s) => s.isAuthenticated)

  return (
    <div className="layout">
      <header>
        <h1>jwt-tab-session demo</h1>
        <nav>
          <NavLink to="/" end>
            Todos
          </NavLink>
          <NavLink to="/admin">Admin</NavLink>
          {!signedIn && <NavLink to="/login">Sign in</NavLink>}
        </nav>
      </header>
      <main>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route
            path="/"
            element={
              <Guard>
                <TodosPage />
              </Guard>
            }
          />
          <Route
            path="/admin"
            element={
              <Guard authorize={isAdmin}>
                <AdminPage />
              </Guard>
            }
          />
          <Route path="*" element={<p>Nothing here.</p>} />
        </Routes>
      </main>
      <SessionPanel />
      {/* Opens before the idle or age limit ends the session; a modal dialog, so its place here does not matter. */}
      <SessionTimeoutDialog />
    </div>
  )
}
