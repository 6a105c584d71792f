// LoginPage.tsx — sign in, then go back to where the guard sent the visitor from
import type { FormEvent } from 'react'
import { useNavigate, useSearchParams } from 'react-router'
import { useAuth } from 'jwt-tab-session'

/** Only a path on this site: `//evil.example` or `https://evil.example` would be an open redirect. */
export function safeReturnTo(value: string | null | undefined): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/'
}

export function LoginPage() {
  const { login } = useAuth()
  const navigate = useNavigate()
  const [params] = useSearchParams()
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const response = await fetch('/auth/login', {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(new FormData(event.currentTarget))),
    })
    if (!response.ok) return
    login(await response.json())
    navigate(safeReturnTo(params.get('returnTo')), { replace: true })
  }
  return (
    <form onSubmit={onSubmit}>
      <input name="username" aria-label="Username" />
      <input name="password" type="password" aria-label="Password" />
      <button>Sign in</button>
    </form>
  )
}
