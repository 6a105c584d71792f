// `npm run demo`: the example app (Vite, examples/demo) and the reference auth server in one
// process on 127.0.0.1. Flags: --port N (default 5173 or $PORT; the next free one when taken; 0 =
// any free port), --short-ttl (20 s access tokens instead of 60 s), --dpop (the server binds tokens
// to a key of the browser, RFC 9449, and the app signs its requests with it: `dpop: dpop()`).
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { createServer } from 'vite'

// Paths from this file, not the working directory: the tests import startDemo from anywhere.
const repo = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url))

// 60 s tokens: the first silent refresh comes about 40 s after signing in, well before the demo's
// 2-minute idle limit, so a newcomer sees every headline behaviour within a few minutes.
export const DEFAULT_TTL = 60
// How many ports after a taken one the demo tries before it gives up and says so.
const PORT_TRIES = 10

export async function startDemo({ port = 5173, accessTokenTtl = DEFAULT_TTL, quiet = false, dpop = false, onPortTaken } = {}) {
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
  const served = await listen(serveHandler, auth.handler, vite, port, onPortTaken)
  return {
    url: served.url,
    users: auth.users,
    async close() {
      await served.close()
      await vite.close()
    },
  }
}

/** Serves on `port`, or on the next free one after it (`onPortTaken` hears of each taken port). */
async function listen(serveHandler, handler, vite, port, onPortTaken) {
  for (let tries = 0; ; tries++) {
    try {
      return await serveHandler(handler, { host: '127.0.0.1', port: port + tries, fallback: vite.middlewares })
    } catch (error) {
      if (error?.code !== 'EADDRINUSE' || port === 0 || tries >= PORT_TRIES) {
        await vite.close()
        if (error?.code === 'EADDRINUSE') {
          throw new Error(`Ports ${port}–${port + tries} on 127.0.0.1 are taken; pick another with --port N or PORT=N.`)
        }
        throw error
      }
      onPortTaken?.(port + tries)
    }
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
  const accessTokenTtl = values['short-ttl'] ? 20 : DEFAULT_TTL
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`  --port must be a port number (0–65535), not ${values.port}`)
    process.exit(1)
  }
  const onPortTaken = (taken) => console.log(`  port ${taken} is taken; trying ${taken + 1}`)
  const demo = await startDemo({ port, accessTokenTtl, dpop: values.dpop, onPortTaken }).catch((error) => {
    console.error(`  ${error.message}`)
    process.exit(1)
  })
  console.log(`\n  jwt-tab-session demo: ${demo.url}/\n`)
  console.log(
    `  access tokens live ${accessTokenTtl} s: the silent refresh shows in the session panel within ${Math.round((accessTokenTtl * 2) / 3)} s of signing in`,
  )
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
