// `npm run docs`: the API reference of every public entry (scripts/entries.mjs) in docs/api.
import { entries } from './scripts/entries.mjs'

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'jwt-tab-session',
  entryPoints: entries.map(({ source }) => source),
  tsconfig: 'tsconfig.build.json',
  out: 'docs/api',
  readme: 'README.md',
  excludePrivate: true,
  excludeInternal: true,
  sort: ['kind', 'alphabetical'],
  validation: {
    notExported: true,
    invalidLink: true,
    rewrittenLink: true,
    notDocumented: false,
    unusedMergeModuleWith: true,
  },
  treatWarningsAsErrors: false,
  intentionallyNotExported: [
    'src/react/AuthProvider.tsx:NoOptions',
    'src/react-query/bindQueryClient.ts:AuthSource',
    'src/react-query/queryFn.ts:Fetcher',
  ],
  disableSources: true,
}
