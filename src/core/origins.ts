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
