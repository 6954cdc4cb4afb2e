// Profile the edge echo server with node's sampling profiler (--cpu-prof):
// the same server and load generator as edge-echo.bench.ts, one case, the
// profile written to DIR when the server exits. Prints the top self-time
// functions. Not a bench (no BENCH_JSON); used to find where the ratio goes.
//   node --conditions=tessera-source --import tsx packages/kernel/bench/edge/profile-edge.ts <tcp|ws> <off|required> DIR [seconds]
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { forkChild } from '../net/child.js'
import { edgeLoad } from './edge-load.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const [transport = 'tcp', encryption = 'off', dir = '/tmp/edge-prof', secs = '6'] = process.argv.slice(2)
const child = await forkChild(path.join(here, 'edge-bench-server.ts'), [transport, encryption], 60_000, [
  ...process.execArgv,
  '--cpu-prof',
  `--cpu-prof-dir=${dir}`,
  '--cpu-prof-interval=200',
])
const load = await edgeLoad({
  transport: transport as 'tcp' | 'ws',
  port: child.first.port as number,
  token: child.first.token as string,
  clients: 100,
  inFlight: 8,
  payload: 32,
  encrypt: encryption === 'required',
})
await new Promise((r) => setTimeout(r, 1000))
await child.ask('start')
load.reset()
await new Promise((r) => setTimeout(r, Number(secs) * 1000))
const stop = await child.ask('stop')
load.close()
console.log(
  `messages ${load.received()} server CPU µs/msg ${((stop.cpuMicros as number) / load.received()).toFixed(3)}`,
)
// A clean exit writes the profile.
child.proc.send('exit')
await new Promise((r) => child.proc.once('exit', r))

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}
// The loader's worker thread writes a profile too: the main thread's is the largest.
const file = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => path.join(dir, f))
  .sort((a, b) => statSync(b).size - statSync(a).size)[0]!
const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[] }
const self = new Map<string, number>()
let total = 0
for (const n of prof.nodes) {
  const h = n.hitCount ?? 0
  total += h
  const k = `${n.callFrame.functionName || '(anon)'} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
  self.set(k, (self.get(k) ?? 0) + h)
}
const idle = [...self.entries()].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0)
console.log(`profile ${file}: ${total} samples, ${idle} idle`)
for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 45))
  console.log(`${((100 * v) / (total - idle)).toFixed(1).padStart(5)}%  ${k}`)
