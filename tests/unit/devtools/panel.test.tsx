import { act, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createAuthClient, type AuthClientOptions, type ChannelFactory, type TokenPair } from '../../../src/core'
import { AuthDevtools, mountAuthDevtools } from '../../../src/devtools'
import { AuthProvider } from '../../../src/index'
import { createTabHarness, createTestJwt } from '../../../src/testing'
import { createBus, quietOptions } from './harness'

const T0 = Date.UTC(2026, 0, 1, 12)
let now = T0
let serial = 0
const issued: string[] = []

function pair(): TokenPair {
  const n = ++serial
  // A claim that carries another token (an ID token passed along) is a token too.
  const carried = createTestJwt({ sub: 'alice', purpose: 'carried' }, { expiresIn: 300, now })
  issued.push(carried)
  const accessToken = createTestJwt({ sub: 'alice', email: 'alice@example.com', carried }, { expiresIn: 300, now })
  const refreshToken = `refresh-secret-${n}-${'x'.repeat(20)}`
  issued.push(accessToken, accessToken.split('.')[2]!, refreshToken)
  return { accessToken, refreshToken }
}

/** A client whose timers never fire: each refresh is the test's. */
function quietClient(extra: Partial<AuthClientOptions> = {}) {
  const client = createAuthClient({ refresh: async () => pair(), ...quietOptions(() => now), ...extra })
  client.start()
  cleanups.push(() => client.stop())
  return client
}

const cleanups: (() => void)[] = []
const flush = () => act(async () => {})

function mount(client: ReturnType<typeof quietClient>, name: string, channel: ChannelFactory | null = null) {
  const host = document.createElement('div')
  document.body.append(host)
  const unmount = mountAuthDevtools(client, host, { name, channel, initialIsOpen: true })
  cleanups.push(unmount, () => host.remove())
  return host
}

const marks = (host: Element, type: string) => [...host.querySelectorAll(`.jts-mark[data-type="${type}"]`)]

beforeEach(() => {
  now = T0
  sessionStorage.clear()
})
afterEach(() =>
  cleanups
    .splice(0)
    .reverse()
    .forEach((cleanup) => cleanup()),
)

describe('mountAuthDevtools', () => {
  it('draws a silent refresh as a green mark labelled with the tab that sent it, over a token bar', async () => {
    const client = quietClient()
    const host = mount(client, 'main')
    client.login(pair())
    now += 240_000
    await client.refresh()
    await flush()
    const [mark] = marks(host, 'refresh_succeeded')
    expect(mark?.getAttribute('data-outcome')).toBe('ok')
    expect(mark?.getAttribute('data-tab')).toBe('main')
    expect(mark?.getAttribute('aria-label')).toBe('refresh by main at 12:04:00')
    expect(host.querySelectorAll('svg .jts-token')).toHaveLength(2) // the login's token and the refreshed one
    // The login's token is drawn until the refresh took over, not to its expiry under the new one.
    expect([...host.querySelectorAll('svg .jts-token title')].map((title) => title.textContent)).toEqual([
      'access token 12:00:00 → 12:05:00, held until 12:04:00',
      'access token 12:04:00 → 12:09:00',
    ])
    expect(host.querySelector('[data-field="nextRefresh"]')?.textContent).toMatch(/^12:0\d:\d\d \(in /)
  })

  it('shows a logout with its reason on the timeline and in Now', async () => {
    const client = quietClient()
    const host = mount(client, 'main')
    client.login(pair())
    await client.logout()
    await flush()
    expect(marks(host, 'logged_out').map((mark) => mark.getAttribute('aria-label'))).toEqual(['logout: user by main at 12:00:00'])
    expect(host.querySelector('[data-field="ended"]')?.textContent).toBe('user')
    expect(host.querySelector('[data-field="status"]')?.textContent).toBe('unauthenticated')
  })

  it('never puts a token or a refresh token in the DOM, while showing the claims', async () => {
    const client = quietClient()
    const host = mount(client, 'main')
    client.login(pair())
    for (let i = 0; i < 3; i++) {
      now += 60_000
      await client.refresh()
    }
    await flush()
    const claims = host.querySelector('[data-field="claims"]')?.textContent
    expect(claims).toContain('alice@example.com')
    expect(claims).toContain('carried(not shown: looks like a token or is too long)')
    const everything = document.documentElement.outerHTML
    for (const secret of issued) expect(everything).not.toContain(secret)
  })

  it('merges another tab’s refresh into this tab’s timeline, and lists both tabs', async () => {
    const bus = createBus()
    const here = quietClient()
    const there = quietClient()
    const host = mount(here, 'here', bus)
    mount(there, 'there', bus)
    there.login(pair())
    now += 1000
    await there.refresh()
    await flush()
    expect(marks(host, 'refresh_succeeded').map((mark) => mark.getAttribute('data-tab'))).toEqual(['there'])
    expect([...host.querySelectorAll('.jts-tabs li')].map((li) => li.textContent)).toEqual([
      'here (this tab) · visible · no session',
      expect.stringMatching(/^there · visible · holds session \S+$/),
    ])
  })

  it('shows a panel opened later what the other tabs recorded before, and which tabs are hidden or gone', async () => {
    const bus = createBus()
    const early = quietClient()
    mount(early, 'early', bus)
    early.login(pair())
    now += 1000
    await early.refresh()
    const late = quietClient()
    const host = mount(late, 'late', bus)
    await flush()
    expect(marks(host, 'refresh_succeeded').map((mark) => mark.getAttribute('data-tab'))).toEqual(['early'])
    expect(marks(host, 'logged_in').map((mark) => mark.getAttribute('data-tab'))).toEqual(['early'])

    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
    document.dispatchEvent(new Event('visibilitychange'))
    delete (document as { visibilityState?: unknown }).visibilityState
    await flush()
    const listed = () => [...host.querySelectorAll('.jts-tabs li')].map((li) => li.textContent)
    expect(listed()).toEqual(['late (this tab) · hidden · no session', expect.stringMatching(/^early · hidden · holds session /)])

    window.dispatchEvent(new Event('pagehide'))
    await flush()
    expect(listed()).toEqual(['late (this tab) · hidden · no session'])
  })

  it('writes no label over a newer one in the same lane, and keeps every mark readable by its name', async () => {
    const client = quietClient()
    const host = mount(client, 'main')
    client.login(pair())
    for (let i = 0; i < 2; i++) {
      now += 1000
      await client.refresh()
    }
    await flush()
    const drawn = [...host.querySelectorAll('.jts-mark')]
    expect(drawn.map((mark) => mark.getAttribute('aria-label'))).toEqual([
      'login by main at 12:00:00',
      'refresh by main at 12:00:01',
      'refresh by main at 12:00:02',
    ])
    // A second is 6 px here: only the newest label is written.
    expect(drawn.map((mark) => mark.querySelector('text')?.textContent ?? null)).toEqual([null, null, 'refresh · main'])
  })

  it('shows in every tab which tab holds the refresh lock while its refresh is on its way', async () => {
    const browser = createTabHarness()
    let sent: () => void = () => {}
    let answer: () => void = () => {}
    const requested = new Promise<void>((resolve) => (sent = resolve))
    const refresh = async () => {
      sent()
      await new Promise<void>((release) => (answer = release))
      return pair()
    }
    const [here, there] = [browser.tab(), browser.tab()].map((tab) => quietClient({ ...tab, refresh }))
    const hostHere = mount(here!, 'here', browser.tab().channel)
    const hostThere = mount(there!, 'there', browser.tab().channel)
    there!.login(pair())
    await flush()
    const refreshing = there!.refresh()
    await requested
    await flush()
    const holders = (host: Element) => [...host.querySelectorAll('.jts-tabs li[data-lock]')].map((li) => li.getAttribute('data-tab'))
    expect(holders(hostHere)).toEqual(['there'])
    expect(holders(hostThere)).toEqual(['there'])
    expect(hostHere.querySelector('.jts-tabs li[data-lock]')?.textContent).toMatch(
      /^there · visible · holds session \S+ · holds the refresh lock$/,
    )
    answer()
    await refreshing
    await flush()
    expect(holders(hostHere)).toEqual([])
    expect(holders(hostThere)).toEqual([])
  })

  it('draws parallel 401s and their replays as one mark each, under the one refresh they shared', async () => {
    const refused = new Set<string>()
    const api: typeof fetch = async (_input, init) => {
      const token = String(new Headers(init?.headers).get('authorization')).slice('Bearer '.length)
      return new Response(null, { status: refused.has(token) ? 401 : 204 })
    }
    const client = quietClient({ fetch: api, allowedOrigins: ['https://api.test'] })
    const host = mount(client, 'main')
    const first = pair()
    client.login(first)
    refused.add(first.accessToken) // the API revoked it
    now += 5_000
    const answers = await Promise.all([1, 2, 3].map((n) => client.fetch(`https://api.test/item/${n}`)))
    await flush()
    expect(answers.map((answer) => answer.status)).toEqual([204, 204, 204])
    expect(marks(host, 'unauthorized').map((mark) => mark.getAttribute('aria-label'))).toEqual(['401 ×3 by main at 12:00:05'])
    expect(marks(host, 'replayed').map((mark) => mark.getAttribute('aria-label'))).toEqual(['replay ×3 by main at 12:00:05'])
    expect(marks(host, 'refresh_succeeded')).toHaveLength(1)
    // Both labels are written, the 401's to the left of the mark and the replay's to the right.
    expect(marks(host, 'unauthorized')[0]?.querySelector('text')?.getAttribute('text-anchor')).toBe('end')
    expect(marks(host, 'replayed')[0]?.querySelector('text')?.textContent).toBe('replay ×3')
  })

  it('draws a 401 whose refresh the server refused as a request not replayed, with the code', async () => {
    const client = quietClient({
      fetch: async () => new Response(null, { status: 401 }),
      allowedOrigins: ['https://api.test'],
      refresh: async () => {
        throw Object.assign(new Error('refused'), { status: 401 })
      },
    })
    const host = mount(client, 'main')
    client.login(pair())
    await expect(client.fetch('https://api.test/me')).rejects.toMatchObject({ code: 'refresh_rejected' })
    await flush()
    expect(marks(host, 'unauthorized')).toHaveLength(1)
    expect(marks(host, 'not_replayed').map((mark) => mark.getAttribute('aria-label'))).toEqual([
      'no replay 401 refresh_rejected by main at 12:00:00',
    ])
    expect(marks(host, 'not_replayed')[0]?.getAttribute('data-outcome')).toBe('fail')
  })

  it('remembers open or closed per app, and never takes the focus', async () => {
    const input = document.createElement('input')
    document.body.append(input)
    cleanups.push(() => input.remove())
    input.focus()
    const client = quietClient({ storageKey: 'app-one' })
    const host = document.createElement('div')
    document.body.append(host)
    let unmount = mountAuthDevtools(client, host)
    const toggle = () => host.querySelector<HTMLButtonElement>('.jts-toggle')!
    expect(toggle().getAttribute('aria-expanded')).toBe('false')
    toggle().click()
    client.login(pair())
    await flush()
    expect(document.activeElement).toBe(input)
    expect(toggle().getAttribute('aria-expanded')).toBe('true')
    unmount()
    unmount = mountAuthDevtools(client, host)
    expect(toggle().getAttribute('aria-expanded')).toBe('true')
    expect(host.querySelector<HTMLElement>('.jts-body')?.hidden).toBe(false)
    unmount()
    // Another app (another storage key) keeps its own choice.
    unmount = mountAuthDevtools(quietClient({ storageKey: 'app-two' }), host)
    expect(toggle().getAttribute('aria-expanded')).toBe('false')
    unmount()
    host.remove()
  })
})

describe('<AuthDevtools />', () => {
  it('shows the panel of the client of the nearest AuthProvider', async () => {
    const client = quietClient()
    client.login(pair())
    render(
      <AuthProvider client={client}>
        <AuthDevtools name="react" initialIsOpen />
      </AuthProvider>,
    )
    await flush()
    expect(screen.getByRole('region', { name: 'Auth devtools' })).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Copy report' })).toBeTruthy()
    expect(document.querySelector('.jts-tabs li')?.textContent).toMatch(/^react \(this tab\) · visible · holds session/)
  })
})
