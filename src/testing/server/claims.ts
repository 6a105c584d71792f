// Names shared by the server's public types and its token code. Kept apart from jwt.ts so the
// published declarations of the testing entry never import from jose (a pure-ESM package that
// CommonJS consumers' TypeScript cannot read).

/** Signing algorithm of the server's access tokens. */
export type Algorithm = 'HS256' | 'ES256'
