// LoginForm.tsx — your login request, then hand the pair to the client
import type { FormEvent } from 'react'
import { useAuth } from 'jwt-tab-session'

export function LoginForm() {
  const { login } = useAuth()
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const response = await fetch('/auth/login', {
      method: 'POST',
      credentials: 'include', // lets the server set its HttpOnly fingerprint cookie
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(new FormData(event.currentTarget))),
    })
    if (response.ok) login(await response.json()) // { accessToken, refreshToken }
  }
  return (
    <form onSubmit={onSubmit}>
      <input name="username" aria-label="Username" />
      <input name="password" type="password" aria-label="Password" />
      <button>Sign in</button>
    </form>
  )
}
