import { build } from 'vite'; import { gzipSync } from 'node:zlib'; import { resolve } from 'node:path'; import { existsSync } from 'node:fs'
let total = 0
for (const f of process.argv.slice(2)) {
  const file = existsSync(`src/${f}.tsx`) ? `src/${f}.tsx` : `src/${f}.ts`
  const r = await build({ logLevel:'silent', configFile:false, publicDir:false, build:{write:false, minify:true, lib:{entry:resolve(file),formats:['es'],fileName:'e'}, rolldownOptions:{external:(id)=>!id.endsWith(file) , output:{minify:true}}}})
  const out=(Array.isArray(r)?r:[r]).flatMap(x=>x.output).filter(c=>c.type==='chunk').map(c=>c.code).join('')
  total += out.length
  console.log(f.padEnd(32), String(out.length).padStart(6), String(gzipSync(out,{level:9}).length).padStart(6))
}
console.log('total min', total)
