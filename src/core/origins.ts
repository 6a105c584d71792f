import { AuthError } from './errors'

// Hosts a browser treats as this machine: plain http to them never leaves it.
const LOOPBACK = /^(localhost|[\w-]+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i

/**
 * Throws `insecure_origin` for an `http:` URL whose host is not this machine: a Bearer token or a
 * refresh token sent there can be read on the way. `allowInsecureHttp` lifts it for development.
 * Relative URLs go where the page came from and are not judged here.
 */
export function checkSecureUrl(url: string | URL, allowInsecureHttp = false): void {
  if (allowInsecureHttp || !/^http:/i.test(String(url))) return
  const { hostname } = new URL(url)
  if (!LOOPBACK.test(hostname)) {
    throw new AuthError(
      'insecure_origin',
      `Refusing to send tokens over plain http to ${hostname}; use https (or allowInsecureHttp in development).`,
    )
  }
}

export function checkOrigins(origins: readonly string[], allowInsecureHttp?: boolean): void {
  origins.forEach((origin) => checkSecureUrl(origin, allowInsecureHttp))
}

/**
 * The origins whose requests carry the token, for `client.fetch` and `attachAxios` alike:
 * `allowed` reduced to origins, else the page's own (none outside a page); `insecure_origin` for
 * plain http to another machine. Call on first use, never at import: there may be no `location` yet.
 */
export function tokenOrigins(allowed: readonly string[] | undefined, allowInsecureHttp?: boolean): string[] {
  const page = typeof location === 'undefined' ? undefined : location
  const origins = allowed?.map((origin) => new URL(origin, page?.href).origin) ?? (page ? [page.origin] : [])
  checkOrigins(origins, allowInsecureHttp)
  return origins
}
