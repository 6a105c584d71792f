import { act, cleanup } from '@testing-library/react'
import { hydrateRoot, type Root } from 'react-dom/client'
import { renderToString } from 'react-dom/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { refreshSpy, storageWithSession } from '../../support/session'
import { App, SERVER_HTML, SIGNED_IN_HTML } from './ssrApp'

afterEach(() => {
  cleanup()
  document.body.innerHTML = ''
})

describe('hydration', () => {
  it('renders the same server HTML in the browser build as in node (the string hydrated below)', () => {
    expect(renderToString(<App refresh={refreshSpy()} storage={storageWithSession({ sub: 'kim' })} />)).toBe(SERVER_HTML)
  })

  it('hydrates the server HTML with zero mismatches or console errors, then shows the signed-in content', async () => {
    const container = document.createElement('div')
    container.innerHTML = SERVER_HTML
    document.body.append(container)
    const consoleError = vi.spyOn(console, 'error')
    const onRecoverableError = vi.fn()
    const refresh = refreshSpy()
    const storage = storageWithSession({ sub: 'kim' })
    let root: Root | undefined

    await act(async () => {
      root = hydrateRoot(container, <App refresh={refresh} storage={storage} channel={null} locks={null} wakeEvents={() => () => {}} />, {
        onRecoverableError,
      })
    })

    expect(onRecoverableError).toHaveBeenCalledTimes(0)
    expect(consoleError).toHaveBeenCalledTimes(0)
    expect(container.innerHTML).toBe(SIGNED_IN_HTML)
    expect(refresh).toHaveBeenCalledTimes(0)
    act(() => root!.unmount())
  })
})
