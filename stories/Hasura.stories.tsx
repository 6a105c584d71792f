import type { Meta, StoryObj } from '@storybook/react-vite'
import { useId, useState } from 'react'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { AuthProvider, createAuthHooks, getHasuraClaims, graphqlRefresh, hasuraRole, restRevoke, type HasuraClaims } from '../src'
import { LoginForm, SessionActions, StoryLayout } from './support/app'
import { useStoryEnv } from './support/env'
import { ServerPanel } from './support/serverPanel'
import { signIn } from './support/play'
import { storyEnv } from './support/storyServer'

// The hooks typed for Hasura's claims, once (instead of a cast at every call site).
const { useAuth } = createAuthHooks<HasuraClaims & { jti: string }>()

const QUERY = '{ whoami { role } me { id name } todos { id title } }'

interface QueryAnswer {
  data?: { whoami: { role: string }; me: { name: string }; todos: { id: string; title: string }[] }
  errors?: { message: string }[]
}

function HasuraSession() {
  const { claims } = useAuth()
  const hasura = getHasuraClaims(claims)
  if (!claims || !hasura) return null
  return (
    <section className="panel" aria-label="Hasura session">
      <h3>Hasura session variables (getHasuraClaims)</h3>
      <dl>
        <dt>x-hasura-user-id</dt>
        <dd>{hasura.userId}</dd>
        <dt>x-hasura-default-role</dt>
        <dd>{hasura.defaultRole}</dd>
        <dt>x-hasura-allowed-roles</dt>
        <dd>{hasura.allowedRoles.join(', ')}</dd>
        <dt>Access token id (jti)</dt>
        <dd data-testid="jti">{claims.jti}</dd>
      </dl>
      <RoleSwitcher allowedRoles={hasura.allowedRoles} defaultRole={hasura.defaultRole} />
      <SessionActions />
    </section>
  )
}

/**
 * The active role (`hasuraRole()`): `setRole` checks it against the token's allowed roles, shows it
 * as `state.role` and sends it as `x-hasura-role` with every request, in every tab of the login.
 */
function RoleSwitcher({ allowedRoles, defaultRole }: { allowedRoles: string[]; defaultRole: string }) {
  const role = useAuth((auth) => auth.role)
  const setRole = useAuth((auth) => auth.setRole)
  const id = useId()
  return (
    <dl>
      <dt>
        <label htmlFor={id}>Run requests as (setRole)</label>
      </dt>
      <dd>
        <select id={id} value={role ?? ''} onChange={(event) => setRole(event.target.value || null)}>
          <option value="">the default role ({defaultRole})</option>
          {allowedRoles.map((allowed) => (
            <option key={allowed} value={allowed}>
              {allowed}
            </option>
          ))}
        </select>
      </dd>
      <dt>state.role</dt>
      <dd data-testid="role">{role ?? 'null'}</dd>
    </dl>
  )
}

/** A GraphQL query through `auth.fetch`: the Bearer header, and Hasura's HTTP-200 `invalid-jwt` treated like a 401. */
function GraphqlQuery() {
  const fetch = useAuth((auth) => auth.fetch)
  const [answer, setAnswer] = useState<QueryAnswer | null>(null)
  async function run() {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY }),
    })
    setAnswer((await response.json()) as QueryAnswer)
  }
  return (
    <section className="panel" aria-label="GraphQL">
      <h3>
        <code>{QUERY}</code>
      </h3>
      <button type="button" onClick={() => void run()}>
        Run query
      </button>
      {answer?.errors && <p role="alert">{answer.errors.map((error) => error.message).join('; ')}</p>}
      {answer?.data && (
        <>
          <p>
            The server ran it as: <strong data-testid="server-role">{answer.data.whoami.role}</strong>
          </p>
          <p>
            me: <strong>{answer.data.me.name}</strong>
          </p>
          <ul aria-label="Todos">
            {answer.data.todos.map((todo) => (
              <li key={todo.id}>{todo.title}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}

function RevokeTokenButton() {
  const { server } = useStoryEnv()
  const accessToken = useAuth((auth) => auth.accessToken)
  return (
    <button type="button" disabled={!accessToken} onClick={() => accessToken && server.control.revokeAccessToken(accessToken)}>
      Revoke the current access token
    </button>
  )
}

function HasuraApp() {
  const status = useAuth((auth) => auth.status)
  if (status === 'initializing') return <p>Loading the session…</p>
  if (status === 'unauthenticated') return <LoginForm />
  return (
    <>
      <HasuraSession />
      <GraphqlQuery />
    </>
  )
}

function HasuraDemo() {
  const { storageKey } = useStoryEnv()
  // The guide's setup: the `refreshJwtToken` action on the GraphQL endpoint refreshes the pair.
  // Made once: AuthProvider reads its options on the first render only.
  const [adapters] = useState(() => ({
    refresh: graphqlRefresh({ url: '/graphql' }),
    revoke: restRevoke({ url: '/auth/logout' }),
    role: hasuraRole(),
  }))
  return (
    <AuthProvider<HasuraClaims> storageKey={storageKey} {...adapters} graphqlErrors>
      <StoryLayout
        app={<HasuraApp />}
        side={
          <ServerPanel>
            <RevokeTokenButton />
          </ServerPanel>
        }
      />
    </AuthProvider>
  )
}

const meta = {
  title: 'Flows/10 GraphQL (Hasura)',
  render: () => <HasuraDemo />,
} satisfies Meta

export default meta
type Story = StoryObj<typeof meta>

const jti = (root: HTMLElement) => within(root).getByTestId('jti').textContent

/**
 * Hasura's session variables come from the token's namespace claim (`getHasuraClaims`). The refresh
 * goes to the `/graphql` endpoint (`graphqlRefresh`, the guide's `refreshJwtToken` mutation). A
 * revoked token makes Hasura answer HTTP 200 with `invalid-jwt`; with `graphqlErrors` the client
 * refreshes once and replays the query.
 */
export const ClaimsAndGraphqlRefresh: Story = {
  play: async (context) => {
    const { canvasElement, step } = context
    const { server } = storyEnv(context)
    const canvas = within(canvasElement)
    await step('Sign in as alice', () => signIn(canvasElement, 'alice'))
    const session = await canvas.findByRole('region', { name: 'Hasura session' })
    await expect(within(session).getByText('user-alice')).toBeVisible()
    await expect(within(session).getByText('x-hasura-default-role').nextElementSibling).toHaveTextContent('user')
    await expect(within(session).getByText('x-hasura-allowed-roles').nextElementSibling).toHaveTextContent('user')

    await step('Run the query', () => userEvent.click(canvas.getByRole('button', { name: 'Run query' })))
    await expect(await canvas.findByText('Alice')).toBeVisible()
    await expect(canvas.getByText('Buy milk')).toBeVisible()

    const first = jti(canvasElement)
    await step('Refresh through /graphql', () => userEvent.click(canvas.getByRole('button', { name: 'Refresh now' })))
    await waitFor(() => expect(jti(canvasElement)).not.toBe(first))
    await expect(server.control.counters()).toMatchObject({ refreshes: 1, reuseEvents: 0 })

    const second = jti(canvasElement)
    await step('Revoke the token, run the query again', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Revoke the current access token' }))
      await userEvent.click(canvas.getByRole('button', { name: 'Run query' }))
    })
    await waitFor(() => expect(jti(canvasElement)).not.toBe(second))
    await waitFor(() => expect(server.control.counters()).toMatchObject({ refreshes: 2, unauthorized: 1 }))
    await expect(canvas.getByText('Alice')).toBeVisible()
    await expect(canvas.queryByRole('alert')).toBeNull()
  },
}

/**
 * The admin's token lists both roles and defaults to the least privileged one. Choosing `admin`
 * (`setRole`) makes every query carry `x-hasura-role: admin`, and the server runs it as admin
 * (its `whoami` field echoes the role); the default again sends no header.
 */
export const AdminRoles: Story = {
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement)
    await step('Sign in as admin', () => signIn(canvasElement, 'admin'))
    const session = await canvas.findByRole('region', { name: 'Hasura session' })
    await expect(within(session).getByText('user-admin')).toBeVisible()
    await expect(within(session).getByText('x-hasura-default-role').nextElementSibling).toHaveTextContent('user')
    await expect(within(session).getByText('x-hasura-allowed-roles').nextElementSibling).toHaveTextContent('user, admin')
    const select = within(session).getByRole('combobox', { name: 'Run requests as (setRole)' })
    await expect(
      within(select)
        .getAllByRole('option')
        .map((option) => option.textContent),
    ).toEqual(['the default role (user)', 'user', 'admin'])
    await expect(canvas.getByTestId('role')).toHaveTextContent('null')

    const runAs = async (expected: string) => {
      await userEvent.click(canvas.getByRole('button', { name: 'Run query' }))
      await waitFor(() => expect(canvas.getByTestId('server-role')).toHaveTextContent(expected))
    }
    await step('Query with the default role: no x-hasura-role, the server runs it as user', () => runAs('user'))

    await step('Choose admin: the next query carries x-hasura-role: admin', async () => {
      await userEvent.selectOptions(select, 'admin')
      await expect(canvas.getByTestId('role')).toHaveTextContent('admin')
      await runAs('admin')
    })

    await step('Back to the default role', async () => {
      await userEvent.selectOptions(select, '')
      await expect(canvas.getByTestId('role')).toHaveTextContent('null')
      await runAs('user')
    })
    await expect(canvas.queryByRole('alert')).toBeNull()
  },
}
