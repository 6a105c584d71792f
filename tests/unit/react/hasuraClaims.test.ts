import { describe, expect, it } from 'vitest'
import { getHasuraClaims, HASURA_NAMESPACE } from '../../../src/react'

const namespace = {
  'x-hasura-user-id': 'u-42',
  'x-hasura-default-role': 'user',
  'x-hasura-allowed-roles': ['user', 'editor'],
  'x-hasura-org-id': 'o-1',
}

describe('getHasuraClaims', () => {
  it('reads the namespaced object claim', () => {
    expect(getHasuraClaims({ exp: 1, [HASURA_NAMESPACE]: namespace })).toEqual({
      userId: 'u-42',
      defaultRole: 'user',
      allowedRoles: ['user', 'editor'],
    })
  })

  it('reads the claim written as a JSON string (claims_format: stringified_json)', () => {
    expect(getHasuraClaims({ exp: 1, [HASURA_NAMESPACE]: JSON.stringify(namespace) })).toMatchObject({ userId: 'u-42' })
  })

  it('reads a custom claims_namespace', () => {
    expect(getHasuraClaims({ hasura: namespace }, { namespace: 'hasura' })).toMatchObject({ defaultRole: 'user' })
  })

  it('gives userId null when the token has roles but no user id, and stringifies a numeric id', () => {
    const { 'x-hasura-user-id': _id, ...noUser } = namespace
    expect(getHasuraClaims({ [HASURA_NAMESPACE]: noUser })).toMatchObject({ userId: null })
    expect(getHasuraClaims({ [HASURA_NAMESPACE]: { ...namespace, 'x-hasura-user-id': 42 } })).toMatchObject({ userId: '42' })
  })

  it('returns a copy of the roles, not the array inside the claims', () => {
    const claims = { [HASURA_NAMESPACE]: namespace }
    expect(getHasuraClaims(claims)!.allowedRoles).not.toBe(namespace['x-hasura-allowed-roles'])
  })

  it.each([
    ['null claims', null],
    ['undefined claims', undefined],
    ['no namespace', { sub: 'x', exp: 1 }],
    ['namespace null', { [HASURA_NAMESPACE]: null }],
    ['namespace an array', { [HASURA_NAMESPACE]: [namespace] }],
    ['namespace a number', { [HASURA_NAMESPACE]: 7 }],
    ['unparseable JSON string', { [HASURA_NAMESPACE]: '{"x-hasura-default-role":' }],
    ['JSON string of a non-object', { [HASURA_NAMESPACE]: '"user"' }],
    ['no default role', { [HASURA_NAMESPACE]: { ...namespace, 'x-hasura-default-role': undefined } }],
    ['empty default role', { [HASURA_NAMESPACE]: { ...namespace, 'x-hasura-default-role': '' } }],
    ['roles not an array', { [HASURA_NAMESPACE]: { ...namespace, 'x-hasura-allowed-roles': 'user' } }],
    ['a non-string role', { [HASURA_NAMESPACE]: { ...namespace, 'x-hasura-allowed-roles': ['user', 1] } }],
  ])('returns null, without throwing, for %s', (_label, claims) => {
    expect(getHasuraClaims(claims as never)).toBeNull()
  })
})
