// Request context and response helpers shared by every route.

export interface RequestContext {
  request: Request
  url: URL
  /** The origin the browser addressed: the URL's, or the forwarded one with `trustProxy`. */
  origin: string
  /** Cookies get the `__Host-` prefix and Secure. */
  secure: boolean
  cookies: Map<string, string>
  /** Set-Cookie values for the response; `json`/`noContent` attach them. */
  setCookies: string[]
}

export type RouteHandler = (ctx: RequestContext) => Promise<Response>

function baseHeaders(ctx: RequestContext, extra: Record<string, string>): Headers {
  const headers = new Headers({ 'cache-control': 'no-store', ...extra })
  for (const cookie of ctx.setCookies) headers.append('set-cookie', cookie)
  return headers
}

export function json(ctx: RequestContext, status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: baseHeaders(ctx, { 'content-type': 'application/json', ...extra }),
  })
}

export function noContent(ctx: RequestContext): Response {
  return new Response(null, { status: 204, headers: baseHeaders(ctx, {}) })
}

export function raw(ctx: RequestContext, status: number, body: string, contentType: string): Response {
  return new Response(status === 204 ? null : body, { status, headers: baseHeaders(ctx, { 'content-type': contentType }) })
}

/**
 * The JSON object in the body; `{}` for an empty body; undefined when the body is not a JSON
 * object (the caller answers 400).
 */
export async function readJsonObject(request: Request): Promise<Record<string, unknown> | undefined> {
  let text: string
  try {
    text = await request.text()
  } catch {
    return undefined
  }
  if (text.trim() === '') return {}
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The access token and the scheme it came in: `Bearer`, or `DPoP` (RFC 9449 §7.1). */
export function authorizationToken(request: Request): { scheme: 'bearer' | 'dpop'; token: string } | undefined {
  const match = /^(Bearer|DPoP)\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')
  if (!match) return undefined
  return { scheme: match[1]!.toLowerCase() === 'dpop' ? 'dpop' : 'bearer', token: match[2]! }
}

export function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key]
  return typeof value === 'string' && value !== '' ? value : undefined
}
