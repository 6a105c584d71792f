/* global window -- the evaluate callbacks run in the browser */

/**
 * Logout propagation, shared by the cross-tab bench (Chromium) and the engines bench: per try one
 * of `tabs` logs out (each in turn, after a fresh login from the first), and the sample is the time
 * from that `logout()` call to the last tab's `logged_out` event, in ms. `waitForStatus` and
 * `waitForToken` are the harness's. Returns the samples after `warmup` uncounted tries.
 */
export async function logoutPropagation(tabs, { tries, warmup, waitForStatus, waitForToken }) {
  const samples = []
  for (let i = 0; i < warmup + tries; i++) {
    if (i > 0) {
      const { accessToken } = await tabs[0].evaluate(() => window.e2e.login())
      for (const tab of tabs) await waitForToken(tab, accessToken)
    }
    const marks = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.e2e.log().length)))
    const calledAt = await tabs[i % tabs.length].evaluate(() => window.e2e.logout())
    for (const tab of tabs) await waitForStatus(tab, 'unauthenticated')
    const ends = await Promise.all(
      tabs.map((tab, t) =>
        tab.evaluate(
          (mark) =>
            window.e2e
              .log()
              .slice(mark)
              .find((e) => e.type === 'logged_out')?.t ?? Number.NaN,
          marks[t],
        ),
      ),
    )
    if (i >= warmup) samples.push(Math.max(...ends) - calledAt)
  }
  return samples
}
