import { describe, expect, it, vi } from 'vitest'
import { AuthError } from '../../../src/core/errors'
import { HttpError, createQueryFn, isAuthFailure, shouldRetry } from '../../../src/react-query'
import { queryKeyToUrl } from '../../../src/react-query/queryFn'
import type { QueryFunctionContext, QueryKey } from '@tanstack/react-query'

const contextFor = (queryKey: QueryKey) =>
  ({ queryKey, signal: new AbortController().signal, meta: undefined, client: undefined }) as unknown as QueryFunctionContext

describe('queryKeyToUrl', () => {
  it.each([
    [['/api/todos', { page: 2 }], undefined, '/api/todos?page=2'],
    [['/api/todos', 7, 'comments'], undefined, '/api/todos/7/comments'],
    [['/api/todos', { tag: ['a', 'b c'], done: false, skip: undefined, none: null }], undefined, '/api/todos?tag=a&tag=b+c&done=false'],
    [['/api/todos?sort=asc', { page: 1 }], undefined, '/api/todos?sort=asc&page=1'],
    [['/todos'], 'https://api.example.com/v1/', 'https://api.example.com/v1/todos'],
    [['https://other.example/x'], 'https://api.example.com', 'https://other.example/x'],
    [['/api/users', 'a/b'], undefined, '/api/users/a%2Fb'],
  ] as const)('%j (base %s) → %s', (key, baseUrl, url) => {
    expect(queryKeyToUrl(key, baseUrl)).toBe(url)
  })

  it('explains what a key must look like when it does not start with a path', () => {
    expect(() => queryKeyToUrl(['todos' as unknown as string].slice(1))).toThrow(/first element of the queryKey/)
    expect(() => queryKeyToUrl([{ page: 1 }])).toThrow(/first element of the queryKey/)
  })
})

describe('createQueryFn', () => {
  it('passes the signal, parses JSON, and reads 204 as null', async () => {
    const fetch = vi
      .fn()
      .mockResolvedValueOnce(new Response('{"a":1}', { headers: { 'content-type': 'application/json; charset=utf-8' } }))
      .mockResolvedValueOnce(new Response(null, { status: 204 }))
    const queryFn = createQueryFn({ fetch }, { baseUrl: 'https://api.example.com' })
    const context = contextFor(['/a'])

    expect(await queryFn(context)).toEqual({ a: 1 })
    expect(await queryFn(contextFor(['/b']))).toBeNull()
    expect(fetch.mock.calls[0]).toEqual(['https://api.example.com/a', expect.objectContaining({ signal: context.signal })])
  })

  it('throws an HttpError with the status and nothing of the token', async () => {
    const token = 'eyJhbGciOi.secret.token'
    const fetch = vi.fn(async () => new Response(`bad token ${token}`, { status: 500, statusText: 'Internal Server Error' }))
    const error = await Promise.resolve(createQueryFn({ fetch })(contextFor(['/api/me']))).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(HttpError)
    expect(error).toMatchObject({ name: 'HttpError', status: 500, url: '/api/me' })
    expect(JSON.stringify(error) + String(error)).not.toContain(token)
  })
})

describe('shouldRetry', () => {
  it.each([
    ['AuthError unauthenticated', new AuthError('unauthenticated', 'x'), false],
    ['AuthError refresh_rejected', new AuthError('refresh_rejected', 'x', { status: 401 }), false],
    ['AuthError session_changed (the request was another login’s)', new AuthError('session_changed', 'x'), false],
    ['AuthError refresh_failed (transient)', new AuthError('refresh_failed', 'x'), true],
    ['HttpError 401', new HttpError(401, '', '/'), false],
    ['HttpError 403', new HttpError(403, '', '/'), false],
    ['HttpError 500', new HttpError(500, '', '/'), true],
    ['a network TypeError', new TypeError('Failed to fetch'), true],
    ['an AuthError from another copy of the library', Object.assign(new Error('x'), { name: 'AuthError', code: 'unauthenticated' }), false],
  ])('%s → retry: %s', (_label, error, retry) => {
    expect(isAuthFailure(error)).toBe(!retry)
    expect(shouldRetry(0, error)).toBe(retry)
  })

  it('allows three retries, like React Query', () => {
    expect([0, 1, 2, 3].map((count) => shouldRetry(count, new Error('x')))).toEqual([true, true, true, false])
  })
})
