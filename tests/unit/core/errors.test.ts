import { describe, expect, it } from 'vitest'
import { AuthError, isAuthError } from '../../../src/core/errors'

describe('isAuthError', () => {
  it('recognises an AuthError from the other copy of the library (ESM and CommonJS both loaded)', () => {
    class OtherCopyAuthError extends Error {
      override readonly name = 'AuthError'
      readonly code = 'unauthenticated'
    }
    expect(isAuthError(new AuthError('unauthenticated', 'x'))).toBe(true)
    expect(isAuthError(new OtherCopyAuthError('x'))).toBe(true)
  })

  it.each([
    ['a plain Error', new Error('x')],
    ['an object that only looks like one', { name: 'AuthError', code: 'unauthenticated' }],
    ['an Error named AuthError without a code', Object.assign(new Error('x'), { name: 'AuthError' })],
  ])('rejects %s', (_label, value) => {
    expect(isAuthError(value)).toBe(false)
  })
})

describe('a foreign cause', () => {
  it('keeps only safe fields of a foreign cause: never its message', () => {
    const foreign = Object.assign(new Error('Request failed: {"refreshToken":"secret-rt"}'), {
      status: 502,
      code: 'ERR_BAD_RESPONSE',
      config: { data: 'secret-rt' },
    })
    const error = new AuthError('refresh_failed', 'Refresh failed.', { cause: foreign })
    expect(error.cause).toEqual({ name: 'Error', status: 502, code: 'ERR_BAD_RESPONSE' })
    expect(JSON.stringify(error.cause)).not.toContain('secret')
  })
})
