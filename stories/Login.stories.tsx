import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect, userEvent, waitFor, within } from 'storybook/test'
import { DemoApp, RestAuthProvider, StoryLayout } from './support/app'
import { ServerPanel } from './support/serverPanel'
import { expectSignedIn, signIn } from './support/play'
import { storyEnv } from './support/storyServer'

const meta = {
  title: 'Flows/1 Login',
  render: () => (
    <RestAuthProvider>
      <StoryLayout app={<DemoApp />} side={<ServerPanel />} />
    </RestAuthProvider>
  ),
} satisfies Meta

export default meta
type Story = StoryObj<typeof meta>

/** Right credentials: the app posts to /auth/login, hands the pair to `login()`, and shows the session. */
export const SignIn: Story = {
  play: async (context) => {
    const { canvasElement, step } = context
    const { server, storageKey } = storyEnv(context)
    await step('Sign in as alice', () => signIn(canvasElement, 'alice'))
    await expectSignedIn(canvasElement, 'Alice')
    await expect(server.control.counters()).toMatchObject({ logins: 1, refreshes: 0 })
    await expect(sessionStorage.getItem(storageKey)).not.toBeNull()
  },
}

/** A wrong password: the server answers 401, the form says so, no session and no refresh is attempted. */
export const WrongPassword: Story = {
  play: async (context) => {
    const { canvasElement, step } = context
    const { server, storageKey } = storyEnv(context)
    await step('Sign in as alice with a wrong password', () => signIn(canvasElement, 'alice', 'not-her-password'))
    await expect(await within(canvasElement).findByRole('alert')).toHaveTextContent('Wrong username or password.')
    await expect(within(canvasElement).queryByRole('region', { name: 'Session' })).toBeNull()
    await expect(server.control.counters()).toMatchObject({ logins: 0, refreshes: 0, unauthorized: 1 })
    await expect(sessionStorage.getItem(storageKey)).toBeNull()
    await step('Then the right one', async () => {
      await userEvent.clear(within(canvasElement).getByLabelText('Password'))
      await userEvent.clear(within(canvasElement).getByLabelText('Username'))
      await signIn(canvasElement, 'alice')
    })
    await expectSignedIn(canvasElement, 'Alice')
    await waitFor(() => expect(within(canvasElement).queryByRole('alert')).toBeNull())
  },
}
