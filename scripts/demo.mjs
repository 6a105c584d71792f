// `npm run demo`: the example app (Vite, examples/demo) and the reference auth server in one
// process on 127.0.0.1. Flags: --port N (default 5173, 0 = any free port), --short-ttl (20 s
// access tokens, so silent refresh shows within a minute), --dpop (the server binds tokens to a
// key of the browser, RFC 9449, and the app signs its requests with it: `dpop: dpop()`).
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { createServer } from 'vite'

// Paths from this file, not the working directory: the tests import startDemo from anywhere.
const repo = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url))

export async function startDemo({ port = 5173, accessTokenTtl = 300, quiet = false, dpop = false } = {}) {
  const vite = await createServer({
    configFile: repo('examples/demo/vite.config.ts'),
    // The app's side of the switch, fixed at build time (examples/demo/src/auth.ts).
    define: { __DEMO_DPOP__: JSON.stringify(dpop) },
    // Vite opens its HMR socket on a port of its own (24678); keep that on 127.0.0.1 as well.
    server: { middlewareMode: true, ...(quiet ? { hmr: false } : { ws: { host: '127.0.0.1' } }) },
    appType: 'spa',
    logLevel: quiet ? 'silent' : 'info',
  })
  const { createAuthServer } = await vite.ssrLoadModule(repo('src/testing/server/index.ts'))
  const { serveHandler } = await vite.ssrLoadModule(repo('src/testing/nodeHttp.ts'))
  const auth = createAuthServer({ accessTokenTtl, exposeControl: true, dpop })
  const served = await serveHandler(auth.handler, { host: '127.0.0.1', port, fallback: vite.middlewares })
  return {
    url: served.url,
    users: auth.users,
    async close() {
      await served.close()
      await vite.close()
    },
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Parsed only when run: an importer's argv (a test runner's) is not ours to read.
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '5173' },
      'short-ttl': { type: 'boolean', default: false },
      dpop: { type: 'boolean', default: false },
    },
  })
  const accessTokenTtl = values['short-ttl'] ? 20 : 300
  const demo = await startDemo({ port: Number(values.port), accessTokenTtl, dpop: values.dpop })
  console.log(`\n  react-jwt-session demo: ${demo.url}/\n`)
  console.log(`  access tokens live ${accessTokenTtl} s${values['short-ttl'] ? '' : ' (npm run demo -- --short-ttl for 20 s)'}`)
  console.log(
    values.dpop
      ? '  tokens: DPoP (RFC 9449), bound to a key that never leaves the browser; every request carries a proof'
      : '  tokens: Bearer (npm run demo -- --dpop for DPoP-bound tokens)',
  )
  console.log('  users:')
  for (const user of demo.users) console.log(`    ${user.username} / ${user.password}  (roles: ${user.roles.join(', ')})`)
  console.log(`  session limits: signed out after 2 min without input (warning 30 s before); try ${demo.url}/?idle=20&warn=10&maxAge=60`)
  console.log('\n  Ctrl+C to stop')
  const stop = () => demo.close().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
