// @vitest-environment node
import { renderToString } from 'react-dom/server'
import { describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../../src/core/client'
import { App, SERVER_HTML } from './ssrApp'

const BROWSER_GLOBALS = ['window', 'document', 'sessionStorage', 'localStorage', 'BroadcastChannel'] as const

/** Runs `render` with the browser globals replaced by getters that record any read, even `typeof`. */
function recordBrowserGlobals(render: () => string) {
  const touched: string[] = []
  const saved = BROWSER_GLOBALS.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const)
  for (const name of BROWSER_GLOBALS) {
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get: () => void touched.push(name),
    })
  }
  try {
    return { html: render(), touched }
  } finally {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor)
      else delete (globalThis as Record<string, unknown>)[name]
    }
  }
}

describe('server rendering', () => {
  it('runs in an environment without window or sessionStorage', () => {
    expect(typeof window).toBe('undefined')
    expect(typeof sessionStorage).toBe('undefined')
  })

  it('renders the initializing state and the guard fallback from provider options, touching no browser global and calling nothing', () => {
    const refresh = vi.fn()
    const onEvent = vi.fn()
    const { html, touched } = recordBrowserGlobals(() => renderToString(<App refresh={refresh} onEvent={onEvent} />))
    expect(html).toBe(SERVER_HTML)
    expect(touched).toEqual([])
    expect(refresh).toHaveBeenCalledTimes(0)
    expect(onEvent).toHaveBeenCalledTimes(0)
  })

  it('renders the same HTML from a client made with createAuthClient, which never starts on the server', () => {
    const refresh = vi.fn()
    const { html, touched } = recordBrowserGlobals(() => {
      const client = createAuthClient({ refresh })
      const start = vi.spyOn(client, 'start')
      const out = renderToString(<App client={client} />)
      expect(start).toHaveBeenCalledTimes(0)
      return out
    })
    expect(html).toBe(SERVER_HTML)
    expect(touched).toEqual([])
    expect(refresh).toHaveBeenCalledTimes(0)
  })
})
