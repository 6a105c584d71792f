// jwt-tab-session/devtools from dist/devtools.mjs: the panel finds the client of an AuthProvider
// from dist/index.mjs (one React context across the two entries), and diagnose reports it.
import { act, cleanup, render, screen } from '@testing-library/react'
import { createElement as h } from 'react'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthProvider } from 'jwt-tab-session'
import { AuthDevtools, diagnose } from 'jwt-tab-session/devtools'
import { loginPair, standalone } from './helpers.js'

afterEach(cleanup)

describe('jwt-tab-session/devtools from dist', () => {
  it('shows the session of the AuthProvider from the main entry, and reports it without its token', async () => {
    const { client } = standalone()
    const pair = loginPair('kim')
    client.login(pair)
    const { container } = render(h(AuthProvider, { client }, h(AuthDevtools, { name: 'dist', initialIsOpen: true, channel: null })))
    await act(async () => {})
    expect(screen.getByRole('region', { name: 'Auth devtools' }).textContent).toContain('kim')
    expect(container.innerHTML).not.toContain(pair.accessToken)
    const report = JSON.stringify(diagnose(client))
    expect(JSON.parse(report)).toMatchObject({ library: { name: 'jwt-tab-session' }, state: { status: 'authenticated' } })
    expect(report).not.toContain(pair.accessToken.split('.')[1])
    expect(report).not.toContain(pair.refreshToken)
  })
})
