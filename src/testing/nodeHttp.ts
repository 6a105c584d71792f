// Puts a fetch-style handler behind node:http for the e2e tests and the demo. Node-only; the
// handler itself (./server) stays free of node imports.
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'

/** A fetch-style handler, like the reference server's. */
export type FetchHandler = (request: Request) => Promise<Response>

/** Paths the auth server owns; a 404 under them is the real answer, not a miss for `fallback`. */
const HANDLER_PREFIXES = ['/auth/', '/api/', '/graphql', '/__control/']

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks)
}

async function toRequest(req: IncomingMessage, signal: AbortSignal): Promise<Request> {
  const secure = (req.socket as Partial<TLSSocket>).encrypted === true
  const url = new URL(req.url ?? '/', `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`)
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    // Node joins repeated Cookie headers already; others arrive as arrays.
    if (Array.isArray(value)) for (const v of value) headers.append(name, v)
    else headers.set(name, value)
  }
  const method = req.method ?? 'GET'
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req)
  return new Request(url, { method, headers, body: body && body.length > 0 ? new Uint8Array(body) : undefined, signal })
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status
  response.headers.forEach((value, name) => {
    // Headers.forEach joins Set-Cookie values with ", ", which breaks cookies carrying dates.
    if (name !== 'set-cookie') res.setHeader(name, value)
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader('set-cookie', cookies)
  res.end(Buffer.from(await response.arrayBuffer()))
}

function isHandlerPath(pathname: string): boolean {
  return HANDLER_PREFIXES.some((prefix) => pathname.startsWith(prefix) || pathname === prefix.replace(/\/$/, ''))
}

/**
 * node:http listener around a fetch handler. The Request's signal aborts when the client
 * disconnects before the answer is written (the hold-refreshes hook relies on this). With
 * `fallback`, a 404 for a path outside the handler's prefixes goes to it instead (GET-style
 * requests only: the request body has already been read).
 */
export function toNodeListener(handler: FetchHandler, fallback?: RequestListener): RequestListener {
  return (req, res) => {
    const controller = new AbortController()
    res.on('close', () => {
      if (!res.writableFinished) controller.abort()
    })
    void (async () => {
      try {
        const request = await toRequest(req, controller.signal)
        const response = await handler(request)
        if (fallback && response.status === 404 && !isHandlerPath(new URL(request.url).pathname)) {
          await response.body?.cancel()
          fallback(req, res)
          return
        }
        if (controller.signal.aborted) return
        await writeResponse(res, response)
      } catch {
        if (res.headersSent) {
          res.destroy()
          return
        }
        res.statusCode = 500
        res.setHeader('content-type', 'application/json')
        res.setHeader('cache-control', 'no-store')
        res.end(JSON.stringify({ error: 'server_error' }))
      }
    })()
  }
}

/** Where `serveHandler` listens (127.0.0.1 and a free port by default) and what serves other paths. */
export interface ServeOptions {
  host?: string
  port?: number
  fallback?: RequestListener
}

/** A running server: its base URL and how to stop it. */
export interface ServedHandler {
  url: string
  close(): Promise<void>
}

/** Serves a fetch-style handler over HTTP on loopback, e.g. the reference server for e2e tests. */
export function serveHandler(handler: FetchHandler, options: ServeOptions = {}): Promise<ServedHandler> {
  const { host = '127.0.0.1', port = 0, fallback } = options
  const server = createServer(toNodeListener(handler, fallback))
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address() as AddressInfo
      const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address
      resolve({
        url: `http://${hostPart}:${address.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()))
            // Keep-alive and held (long-polling) connections would keep close() waiting forever.
            server.closeAllConnections()
          }),
      })
    })
  })
}
