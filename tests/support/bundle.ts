// A test page's script bundled in memory with Vite's build API (no config file of its own, nothing
// written), for the suites that serve a page themselves: the e2e page, the React Query page, and
// the recipe apps run under @playwright/test.
import { build, type AliasOptions } from 'vite'

/** Every chunk by its path (`/<fileName>`), and the entry's code; `fileName` names the entry chunk. */
export async function bundleScript(
  root: string,
  input: string,
  { fileName, alias }: { fileName?: string; alias?: AliasOptions } = {},
): Promise<{ entry: string; chunks: Map<string, string> }> {
  const result = await build({
    configFile: false,
    root,
    logLevel: 'silent',
    publicDir: false,
    resolve: alias ? { alias } : {},
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      modulePreload: false,
      reportCompressedSize: false,
      rolldownOptions: { input, ...(fileName ? { output: { entryFileNames: fileName } } : {}) },
    },
  })
  const chunks = new Map<string, string>()
  let entry: string | undefined
  for (const output of Array.isArray(result) ? result : [result]) {
    if (!('output' in output)) throw new Error(`Vite returned a watcher while bundling ${input}`)
    for (const file of output.output) {
      if (file.type !== 'chunk') continue
      chunks.set(`/${file.fileName}`, file.code)
      if (file.isEntry) entry ??= file.code
    }
  }
  if (entry === undefined) throw new Error(`Bundling ${input} produced no script`)
  return { entry, chunks }
}
