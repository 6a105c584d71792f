import { createAuthClient, restRefresh, restRevoke, type AuthClient, type AuthEvent } from 'jwt-tab-session'
import { createTabHarness } from 'jwt-tab-session/testing'

/** Tabs of one browser for the recipe tests: their own sessionStorage, the channel and locks shared. */
export function browserTabs() {
  const harness = createTabHarness()
  const started: AuthClient[] = []

  /** One more tab, with the app's REST adapters. */
  function openTab(onEvent?: (event: AuthEvent) => void) {
    return createAuthClient({
      refresh: restRefresh({ url: '/auth/refresh' }),
      revoke: restRevoke({ url: '/auth/logout', everywhereUrl: '/auth/logout-all' }),
      ...harness.tab(),
      onEvent,
    })
  }

  return {
    openTab,
    /** A tab signed in with `signIn`'s pair and kept open until `stopAll`. */
    async signedInTab(signIn: () => Promise<{ accessToken: string; refreshToken: string }>) {
      const tab = openTab()
      tab.start()
      started.push(tab)
      tab.login(await signIn())
      return tab
    },
    stopAll: () => started.splice(0).forEach((tab) => tab.stop()),
  }
}
