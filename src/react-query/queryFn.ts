import type { QueryFunction, QueryKey } from '@tanstack/react-query'
import type { AuthClient } from '../core/client'

/** A non-2xx answer to a query. Carries the status and the URL (which never holds a token), nothing else. */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  readonly status: number
  readonly statusText: string
  readonly url: string

  constructor(status: number, statusText: string, url: string) {
    super(`HTTP ${status}${statusText ? ` ${statusText}` : ''} from ${url}`)
    this.status = status
    this.statusText = statusText
    this.url = url
  }
}

/** Options of `createQueryFn`. */
export interface QueryFnOptions {
  /** Prefixed to relative paths: `https://api.example.com/v1` + `/todos`. Default: none (the page origin). */
  baseUrl?: string
}

type Fetcher = Pick<AuthClient, 'fetch'>

/**
 * A `queryFn` that GETs the URL its `queryKey` names through `auth.fetch`, with React Query's
 * `signal`, and returns the parsed JSON. `['/api/todos', { page: 2 }]` → `GET /api/todos?page=2`;
 * `['/api/todos', 7]` → `GET /api/todos/7`. A non-2xx answer throws an `HttpError`.
 */
export function createQueryFn(auth: Fetcher, options: QueryFnOptions = {}): QueryFunction<unknown, QueryKey> {
  return async ({ queryKey, signal }) => {
    const url = queryKeyToUrl(queryKey, options.baseUrl)
    const response = await auth.fetch(url, { headers: { Accept: 'application/json' }, signal })
    if (!response.ok) {
      void response.body?.cancel().catch(() => {})
      throw new HttpError(response.status, response.statusText, url)
    }
    return readBody(response)
  }
}

/** The URL a query key names: the first element is the path, then path segments and query objects. */
export function queryKeyToUrl(queryKey: QueryKey, baseUrl?: string): string {
  const [path, ...rest] = queryKey
  if (typeof path !== 'string' || path === '') {
    throw new TypeError('The default queryFn needs a URL path as the first element of the queryKey, like ["/api/todos", { page: 2 }].')
  }
  let url = joinBase(path, baseUrl)
  const params = new URLSearchParams()
  for (const part of rest) {
    if (part === undefined || part === null) continue
    if (typeof part === 'string' || typeof part === 'number' || typeof part === 'bigint') {
      url += `${url.endsWith('/') ? '' : '/'}${encodeURIComponent(String(part))}`
    } else if (typeof part === 'object' && !Array.isArray(part)) {
      for (const [name, value] of Object.entries(part as Record<string, unknown>)) appendParam(params, name, value)
    } else {
      throw new TypeError('queryKey elements after the path must be path segments (string, number) or objects of query parameters.')
    }
  }
  const query = params.toString()
  return query ? `${url}${url.includes('?') ? '&' : '?'}${query}` : url
}

function joinBase(path: string, baseUrl: string | undefined): string {
  if (!baseUrl || /^([a-z][a-z\d+.-]*:)?\/\//i.test(path)) return path
  return `${baseUrl.replace(/\/+$/, '')}${path.startsWith('/') ? '' : '/'}${path}`
}

function appendParam(params: URLSearchParams, name: string, value: unknown): void {
  if (value === undefined || value === null) return
  if (Array.isArray(value)) return value.forEach((item) => appendParam(params, name, item))
  if (value instanceof Date) return params.append(name, value.toISOString())
  params.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value))
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 205) return null
  const text = await response.text()
  if (text === '') return null
  return /[/+]json\b/i.test(response.headers.get('content-type') ?? '') ? (JSON.parse(text) as unknown) : text
}
