// `npm run demo`: the example app (Vite, examples/demo) and the reference auth server in one
// process on 127.0.0.1. Flags: --port N (default 5173, 0 = any free port), --short-ttl (20 s
// access tokens, so silent refresh shows within a minute).
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createServer } from 'vite'

const { values } = parseArgs({
  options: { port: { type: 'string', default: process.env.PORT ?? '5173' }, 'short-ttl': { type: 'boolean', default: false } },
})

export async function startDemo({ port = 5173, accessTokenTtl = 300, quiet = false } = {}) {
  const vite = await createServer({
    configFile: resolve('examples/demo/vite.config.ts'),
    server: { middlewareMode: true, hmr: !quiet },
    appType: 'spa',
    logLevel: quiet ? 'silent' : 'info',
  })
  const { createAuthServer } = await vite.ssrLoadModule(resolve('src/testing/server/index.ts'))
  const { serveHandler } = await vite.ssrLoadModule(resolve('src/testing/nodeHttp.ts'))
  const auth = createAuthServer({ accessTokenTtl, exposeControl: true })
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

if (import.meta.url === `file://${process.argv[1]}`) {
  const accessTokenTtl = values['short-ttl'] ? 20 : 300
  const demo = await startDemo({ port: Number(values.port), accessTokenTtl })
  console.log(`\n  react-jwt-session demo: ${demo.url}/\n`)
  console.log(`  access tokens live ${accessTokenTtl} s${values['short-ttl'] ? '' : ' (npm run demo -- --short-ttl for 20 s)'}`)
  console.log('  users:')
  for (const user of demo.users) console.log(`    ${user.username} / ${user.password}  (roles: ${user.roles.join(', ')})`)
  console.log('\n  Ctrl+C to stop')
  const stop = () => demo.close().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
