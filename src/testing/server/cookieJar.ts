// A one-browser cookie jar for `emulateCookies`. In a browser, a Response built by script drops
// Set-Cookie (a forbidden response header) and document.cookie cannot write HttpOnly cookies,
// so under MSW the fingerprint cookie would never exist. The server plays the browser's part.

export interface CookieJar {
  /** Jar cookies not already present in the request's own Cookie header. */
  fill(cookies: Map<string, string>): void
  store(setCookies: readonly string[]): void
}

export function createCookieJar(now: () => number = () => Date.now()): CookieJar {
  const jar = new Map<string, { value: string; expiresAt: number }>()
  return {
    fill(cookies) {
      for (const [name, { value, expiresAt }] of jar) {
        if (expiresAt <= now()) jar.delete(name)
        else if (!cookies.has(name)) cookies.set(name, value)
      }
    },
    store(setCookies) {
      for (const line of setCookies) {
        const [pair = '', ...attributes] = line.split(';')
        const eq = pair.indexOf('=')
        if (eq <= 0) continue
        const name = pair.slice(0, eq).trim()
        const maxAge = attributes.map((a) => /^\s*max-age=(-?\d+)\s*$/i.exec(a)?.[1]).find((v) => v !== undefined)
        const seconds = maxAge === undefined ? Infinity : Number(maxAge)
        if (seconds <= 0) jar.delete(name)
        else jar.set(name, { value: pair.slice(eq + 1).trim(), expiresAt: now() + seconds * 1000 })
      }
    },
  }
}
