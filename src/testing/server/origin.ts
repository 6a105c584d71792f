// Which origin a request was addressed to, as the browser saw it. Behind a TLS-terminating proxy
// the app sees http and perhaps an internal host; `trustProxy` takes both from the proxy's headers.

/** The first entry of a comma-separated header: the one the proxy nearest the browser wrote. */
function firstValue(request: Request, name: string): string | undefined {
  return request.headers.get(name)?.split(',')[0]?.trim() || undefined
}

export function publicOrigin(request: Request, url: URL, trustProxy: boolean): string {
  if (!trustProxy) return url.origin
  const proto = firstValue(request, 'x-forwarded-proto')?.toLowerCase()
  const scheme = proto === 'https' || proto === 'http' ? proto : url.protocol.slice(0, -1)
  const address = `${scheme}://${firstValue(request, 'x-forwarded-host') ?? url.host}`
  // A malformed forwarded host is ignored rather than trusted in part.
  return URL.canParse(address) ? new URL(address).origin : url.origin
}
