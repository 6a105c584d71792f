// The test page: page/main.ts bundled with Vite's build API (in memory), served with a tiny HTML
// document from the auth server's `fallback`.
import type { RequestListener } from 'node:http'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const PAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'page')

export async function bundlePage(): Promise<Map<string, string>> {
  const result = await build({
    configFile: false,
    root: PAGE_DIR,
    logLevel: 'silent',
    publicDir: false,
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      modulePreload: false,
      reportCompressedSize: false,
      rolldownOptions: { input: resolve(PAGE_DIR, 'main.ts'), output: { entryFileNames: 'main.js' } },
    },
  })
  const assets = new Map<string, string>()
  for (const output of Array.isArray(result) ? result : [result]) {
    if (!('output' in output)) throw new Error('Vite returned a watcher while bundling the e2e page')
    for (const file of output.output) if (file.type === 'chunk') assets.set(`/${file.fileName}`, file.code)
  }
  if (!assets.has('/main.js')) throw new Error('Bundling tests/e2e/page/main.ts produced no main.js')
  return assets
}

const PAGE_HTML =
  '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>react-jwt-session e2e</title>' +
  '<script type="module" src="/main.js"></script></head><body></body></html>'

export function staticFiles(assets: Map<string, string>): RequestListener {
  return (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://e2e.invalid')
    const script = assets.get(pathname)
    const [status, type, body] =
      pathname === '/'
        ? [200, 'text/html; charset=utf-8', PAGE_HTML]
        : script
          ? [200, 'text/javascript', script]
          : [404, 'text/plain', 'not found']
    // Chromium keeps no page served with `no-store` in its back/forward cache once the page made
    // a network request from script (notRestoredReasons: response-cache-control-no-store…): the
    // bfcache tests ask for the document with `?bfcache=1`, which serves it with `no-cache`.
    const bfcacheable = pathname === '/' && new URL(req.url ?? '/', 'http://e2e.invalid').searchParams.get('bfcache') === '1'
    res.writeHead(status, { 'content-type': type, 'cache-control': bfcacheable ? 'no-cache' : 'no-store' })
    res.end(body)
  }
}
