// The package's public entries, written once: package.json "exports". Each subpath names its built
// files and, under the condition `jwt-tab-session:source` (first, so it wins where it is enabled),
// its source file. TypeScript (tsconfig.json `customConditions`), Vite (`resolve.conditions` of the
// recipes) and knip read that map themselves; tsdown.config.ts, typedoc.config.mjs,
// docs/check/check-docs.mjs and scripts/checkPackage.mjs read it through this module.
import { readFileSync } from 'node:fs'

/** The export condition that points an import path at its source, for the repository's own tools. */
export const SOURCE = 'jwt-tab-session:source'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

/**
 * Every public entry: `specifier` (`jwt-tab-session/testing/server`), `subpath` (`./testing/server`),
 * `source` (`src/testing/server/index.ts`) and `name` (`testing-server`: the build writes
 * `dist/testing-server.{mjs,cjs,d.mts,d.cts}`, the files its "import" and "require" name).
 */
export const entries = Object.entries(pkg.exports)
  .filter(([subpath]) => subpath !== './package.json')
  .map(([subpath, target]) => {
    const built = /^\.\/dist\/(.+)\.mjs$/.exec(target.import?.default ?? '')?.[1]
    if (typeof target[SOURCE] !== 'string' || !built) {
      throw new Error(`package.json "exports" ${subpath}: needs "${SOURCE}" (its file in src/) and "import" with "default" in dist/`)
    }
    return {
      specifier: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`,
      subpath,
      source: target[SOURCE].replace(/^\.\//, ''),
      name: built,
    }
  })
