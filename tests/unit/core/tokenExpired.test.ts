import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { useFakeClock } from '../../support/session'
import { setup } from './setup'

beforeEach(() => useFakeClock())
afterEach(() => vi.useRealTimers())

it('tells a kept session whose token ran out during a refresh outage (tokenExpired) from a usable one', async () => {
  const { client, refresh, tokens } = setup({ expiresIn: 60 })
  const succeed = refresh.getMockImplementation()!
  refresh.mockRejectedValue(Object.assign(new Error('down'), { status: 503 }))
  client.login(tokens(60))
  client.start()
  const { expiresAt } = client.getSnapshot()

  await vi.advanceTimersByTimeAsync(expiresAt! - Date.now() - 1)
  expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', tokenExpired: false, error: { code: 'refresh_failed' } })
  await vi.advanceTimersByTimeAsync(1)
  expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', tokenExpired: true })

  refresh.mockImplementation(succeed)
  await vi.advanceTimersByTimeAsync(60_000)
  expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', tokenExpired: false, error: null })
  client.stop()
})
