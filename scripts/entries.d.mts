// Types of scripts/entries.mjs for the TypeScript configs that import it (tsdown.config.ts).
export interface Entry {
  /** The import path, e.g. `jwt-tab-session/testing/server`. */
  specifier: string
  /** Its key in package.json "exports", e.g. `./testing/server`. */
  subpath: string
  /** The source file, from the repository root, e.g. `src/testing/server/index.ts`. */
  source: string
  /** The built files' name in dist/, e.g. `testing-server`. */
  name: string
}
export declare const SOURCE: string
export declare const entries: Entry[]
