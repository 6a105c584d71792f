// Cookies as one browser would hold them for the checked origin. A jar is immutable: a credential
// keeps the jar of its moment, so "the same browser presents an old token" is an old jar sent again.

export type Jar = ReadonlyMap<string, string>

export interface SetCookie {
  name: string
  /** True when the cookie is being cleared (empty value, `Max-Age=0` or an expiry in the past). */
  cleared: boolean
  httpOnly: boolean
  secure: boolean
  /** `strict`, `lax`, `none`, or `` when absent. */
  sameSite: string
}

export function parseSetCookie(header: string): SetCookie | undefined {
  const [pair = '', ...attributes] = header.split(';').map((part) => part.trim())
  const eq = pair.indexOf('=')
  if (eq <= 0) return undefined
  const value = pair.slice(eq + 1)
  const cookie: SetCookie = { name: pair.slice(0, eq), cleared: value === '', httpOnly: false, secure: false, sameSite: '' }
  for (const attribute of attributes) {
    const [key = '', setting = ''] = attribute.split('=', 2).map((part) => part.trim())
    const name = key.toLowerCase()
    if (name === 'httponly') cookie.httpOnly = true
    else if (name === 'secure') cookie.secure = true
    else if (name === 'samesite') cookie.sameSite = setting.toLowerCase()
    else if (name === 'max-age' && Number(setting) <= 0) cookie.cleared = true
    else if (name === 'expires' && Date.parse(setting) <= Date.now()) cookie.cleared = true
  }
  return cookie
}

export function applySetCookies(jar: Jar, headers: Headers): Jar {
  const next = new Map(jar)
  for (const header of headers.getSetCookie()) {
    const cookie = parseSetCookie(header)
    if (!cookie) continue
    const value = header.split(';', 1)[0]!.slice(cookie.name.length + 1)
    if (cookie.cleared) next.delete(cookie.name)
    else next.set(cookie.name, value)
  }
  return next
}

export function cookieHeader(jar: Jar): Record<string, string> {
  return jar.size === 0 ? {} : { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') }
}
