import { QueryClient } from '@tanstack/react-query'
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { StrictMode, createElement as h } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuthProvider, RequireAuth, useAuth } from 'jwt-tab-session'
import { bindQueryClient } from 'jwt-tab-session/react-query'
import { createMemoryStorage, createTestAuthClient } from 'jwt-tab-session/testing'
import { loginPair, useFakeClock } from './helpers.js'

beforeEach(() => useFakeClock())
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

function Who() {
  const sub = useAuth((auth) => auth.claims?.sub)
  return h('p', null, `user:${sub ?? 'none'}`)
}

function Controls() {
  const { status, login, logout } = useAuth()
  return h(
    'div',
    null,
    h('p', null, `status:${status}`),
    h('button', { onClick: () => login(loginPair('kim')) }, 'sign in'),
    h('button', { onClick: logout }, 'sign out'),
  )
}

function App({ provider, onUnauthenticated }) {
  return h(
    StrictMode,
    null,
    h(
      AuthProvider,
      provider,
      h(Who),
      h(Controls),
      h(RequireAuth, { fallback: h('p', null, 'please sign in'), onUnauthenticated }, h('p', null, 'secret page')),
    ),
  )
}

describe('React entry from dist/index.mjs', () => {
  it('renders a given client’s session, guards the page, and follows a logout', async () => {
    const client = createTestAuthClient({ claims: { sub: 'kim' } })
    const onUnauthenticated = vi.fn()
    render(h(App, { provider: { client }, onUnauthenticated }))

    expect(screen.getByText('user:kim')).toBeTruthy()
    expect(screen.getByText('status:authenticated')).toBeTruthy()
    expect(screen.getByText('secret page')).toBeTruthy()

    await act(async () => fireEvent.click(screen.getByText('sign out')))

    expect(screen.getByText('status:unauthenticated')).toBeTruthy()
    expect(screen.getByText('user:none')).toBeTruthy()
    expect(screen.getByText('please sign in')).toBeTruthy()
    expect(screen.queryByText('secret page')).toBeNull()
    expect(onUnauthenticated).toHaveBeenCalledTimes(1)
  })

  it('owns a client made from options, starts signed out, and signs in through useAuth().login', async () => {
    const refresh = vi.fn(async () => loginPair('kim'))
    render(h(App, { provider: { refresh, storage: createMemoryStorage(), channel: null, locks: null }, onUnauthenticated: () => {} }))
    expect(screen.getByText('please sign in')).toBeTruthy()

    await act(async () => fireEvent.click(screen.getByText('sign in')))

    expect(screen.getByText('user:kim')).toBeTruthy()
    expect(screen.getByText('secret page')).toBeTruthy()
    cleanup()
    expect(vi.getTimerCount()).toBe(0) // the owned client stopped with the provider
  })
})

describe('bindQueryClient from dist/react-query.mjs', () => {
  it('keeps the cache across a refresh for the same user and clears it on logout', async () => {
    const client = createTestAuthClient({ claims: { sub: 'kim' } })
    const queryClient = new QueryClient()
    const unbind = bindQueryClient(client, queryClient)
    queryClient.setQueryData(['/api/todos'], [{ id: 1, title: 'Buy milk' }])

    await client.refresh()
    expect(queryClient.getQueryData(['/api/todos'])).toEqual([{ id: 1, title: 'Buy milk' }])

    await client.logout()
    expect(queryClient.getQueryData(['/api/todos'])).toBeUndefined()
    expect(queryClient.getQueryCache().getAll()).toHaveLength(0)
    unbind()
  })
})
