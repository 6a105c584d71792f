// The test page: page/main.ts bundled with Vite's build API (in memory), served with a tiny HTML
// document from the auth server's `fallback`.
import type { RequestListener } from 'node:http'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleScript } from '../support/bundle'

const PAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'page')

/** Bundles page/main.ts into `/main.js`; with `firstPaint`, also the bench's React page into `/firstPaint.js`. */
export async function bundlePage({ firstPaint = false } = {}): Promise<Map<string, string>> {
  const assets = new Map<string, string>()
  await bundle('main.ts', 'main.js', assets)
  if (firstPaint) await bundle('firstPaint.ts', 'firstPaint.js', assets)
  return assets
}

async function bundle(entry: string, fileName: string, assets: Map<string, string>): Promise<void> {
  const { chunks } = await bundleScript(PAGE_DIR, resolve(PAGE_DIR, entry), { fileName })
  for (const [path, code] of chunks) assets.set(path, code)
  if (!assets.has(`/${fileName}`)) throw new Error(`Bundling tests/e2e/page/${entry} produced no ${fileName}`)
}

const pageHtml = (script: string) =>
  '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>jwt-tab-session e2e</title>' +
  `<script type="module" src="${script}"></script></head><body></body></html>`
const PAGES: Record<string, string> = { '/': pageHtml('/main.js'), '/first-paint': pageHtml('/firstPaint.js') }

export function staticFiles(assets: Map<string, string>): RequestListener {
  return (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://e2e.invalid')
    const script = assets.get(pathname)
    const [status, type, body] =
      PAGES[pathname] !== undefined
        ? [200, 'text/html; charset=utf-8', PAGES[pathname]]
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
