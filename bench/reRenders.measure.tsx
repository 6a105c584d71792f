// Commits per silent refresh for two consumers of one provider: a `claims.sub` selector (target 0:
// the user did not change) and a full `useAuth()` (target 1: the token did).
import { act, cleanup, render } from '@testing-library/react'
import { Profiler } from 'react'
import { afterEach, beforeEach, it, vi } from 'vitest'
import { AuthProvider, useAuth } from '../src/react'
import { loginPair, refreshSpy, standaloneClient, useFakeClock } from '../tests/support/session'
import { report } from './report'

const REFRESHES = 5
// 900 s tokens, 60 s lead, jitter 0.5: each silent refresh fires 825 s after its token was issued.
const ONE_REFRESH = 825_100

beforeEach(() => useFakeClock())
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

function SubOnly() {
  return <p>{useAuth((s) => s.claims?.sub)}</p>
}

function Everything() {
  return <p>{useAuth().accessToken?.length}</p>
}

it('counts commits per silent refresh', async () => {
  const { client, refresh } = standaloneClient({ refresh: refreshSpy(900, { sub: 'kim' }) })
  client.login(loginPair({ sub: 'kim' }))
  const commits: Record<string, number> = { sub: 0, full: 0 }
  const onRender = (id: string) => void (commits[id] = (commits[id] ?? 0) + 1)
  render(
    <AuthProvider client={client}>
      <Profiler id="sub" onRender={onRender}>
        <SubOnly />
      </Profiler>
      <Profiler id="full" onRender={onRender}>
        <Everything />
      </Profiler>
    </AuthProvider>,
  )
  // Production React builds call no Profiler callbacks: then there is nothing to measure.
  if (!commits.sub || !commits.full) throw new Error('React Profiler reported no mount commits (production build of React?)')
  commits.sub = 0
  commits.full = 0

  for (let i = 0; i < REFRESHES; i++) await act(() => vi.advanceTimersByTimeAsync(ONE_REFRESH))

  const refreshes = refresh.mock.calls.length
  const per = (n: number) => (refreshes ? n / refreshes : Number.NaN)
  report('rerenders.selector', per(commits.sub!), `${commits.sub} commits over ${refreshes} silent refreshes`)
  report('rerenders.full', per(commits.full!), `${commits.full} commits over ${refreshes} silent refreshes`)
})
