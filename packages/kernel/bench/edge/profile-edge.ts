// Profile one edge echo case with node's sampling profiler (--cpu-prof):
// the same servers and load generators as edge-echo.bench.ts, the profile
// written to DIR when the server exits. Prints server CPU µs/msg, the top
// self-time functions and the busy samples per bucket (each sample goes to
// the innermost frame of its stack that names a bucket), in µs per message:
// subtract the raw case's buckets from the edge case's to see where the
// ratio goes. Not a bench (no BENCH_JSON).
//   node --conditions=tessera-source --import tsx packages/kernel/bench/edge/profile-edge.ts \
//     <edge-tcp|edge-ws|edge-ws-aes|raw-tcp|raw-ws> DIR [seconds]
//   ... profile-edge.ts analyze DIR SECONDS [µs/msg]   (bucket a profile written before)
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { forkChild } from '../net/child.js'
import { type Load, tcpLoad, wsLoad } from '../net/load.js'
import { edgeLoad } from './edge-load.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const [kase = 'edge-tcp', dir = '/tmp/edge-prof', secs = '10'] = process.argv.slice(2)
/** Server CPU µs per message (profiler on); with `analyze`, what the caller passes as the 4th argument. */
let perMsg = Number(process.argv[5] ?? 1)
// `analyze DIR SECONDS [µs/msg]`: only bucket a profile written before.
if (kase !== 'analyze') perMsg = await run()

async function run(): Promise<number> {
  const transport = kase.includes('ws') ? 'ws' : 'tcp'
  const raw = kase.startsWith('raw-')
  const prof = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250']
  const child = raw
    ? await forkChild(path.join(here, '../net/bench-server.ts'), [kase], 60_000, [
        ...process.execArgv,
        ...prof,
      ])
    : await forkChild(
        path.join(here, 'edge-bench-server.ts'),
        [transport, kase.endsWith('-aes') ? 'required' : 'off'],
        60_000,
        [...process.execArgv, ...prof],
      )
  const port = child.first.port as number
  const load: Load = raw
    ? await (transport === 'ws' ? wsLoad : tcpLoad)(port, 100, 8, 32)
    : await edgeLoad({
        transport,
        port,
        token: child.first.token as string,
        clients: 100,
        inFlight: 8,
        payload: 32,
        encrypt: kase.endsWith('-aes'),
      })
  await new Promise((r) => setTimeout(r, 1000))
  await child.ask('start')
  load.reset()
  await new Promise((r) => setTimeout(r, Number(secs) * 1000))
  const stop = await child.ask('stop')
  const messages = load.received()
  load.close()
  const perMsg = (stop.cpuMicros as number) / messages
  console.log(`${kase}: ${messages} messages, server CPU ${perMsg.toFixed(3)} µs/msg (profiler on)`)
  // A clean exit writes the profile.
  child.proc.send('exit')
  await new Promise((r) => child.proc.once('exit', r))
  return perMsg
}

interface Node {
  id: number
  callFrame: { functionName: string; url: string }
  children?: number[]
}
interface Profile {
  nodes: Node[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}
/** Hits per node id within the measured window (the last `secs` seconds before exit): start-up is left out. */
function windowHits(p: Profile): Map<number, number> {
  const hits = new Map<number, number>()
  const from = p.endTime - Number(secs) * 1e6
  let t = p.startTime
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!
    if (t >= from) hits.set(p.samples[i]!, (hits.get(p.samples[i]!) ?? 0) + 1)
  }
  return hits
}
// The loader's worker thread writes a profile too: keep the busiest (the main thread).
let file = ''
let profile: Profile | null = null
let hits = new Map<number, number>()
let most = -1
for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
  const p = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Profile
  const h = windowHits(p)
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id))
  let b = 0
  for (const [id, c] of h) if (!idle.has(id)) b += c
  if (b > most) {
    most = b
    file = path.join(dir, f)
    profile = p
    hits = h
  }
}
const nodes = profile!.nodes
const byId = new Map(nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const where = (n: Node) => `${n.callFrame.functionName || '(anon)'} ${path.basename(n.callFrame.url)}`

// Innermost match wins: copyOut, for one, lands in decode or encode by its caller.
const BUCKETS: [string, RegExp][] = [
  ['GC', /^\(garbage collector\)/],
  [
    'AES-GCM (node:crypto Cipheriv per frame)',
    / (cipher|encryption\.ts)$|^(createCipheriv|createDecipheriv) /,
  ],
  [
    'socket write syscalls + stream',
    /^(writeBuffer|writev|writevGeneric|handleWriteReq|createWriteWrap) |writable$/,
  ],
  [
    'socket read + stream',
    /^(onStreamRead|readableAddChunk\w*|Readable\.\w+|maybeReadMore\w*|emit|onread\w*) /,
  ],
  ['ws library framing', /^\S+ (receiver|sender|websocket|buffer-util|permessage-deflate)\.js$/],
  ['protobuf decode (+ payload copy)', /^(decodeRange|decode|read\w*) /],
  [
    'protobuf encode',
    /^(encode|encodeInto|encodeScratch|write\w*|finish|bytes) (writer|echo|wire)\.ts$|^encode echo/,
  ],
  [
    'sequencing, replay buffer, Acks',
    /^(push|ack|after) replay-buffer|^(trim|onAck|received|sendAck|enqueue|transmit) edge-session/,
  ],
  ['edge dispatch (handlers, ordering, checks)', /edge-(server|handlers)\.ts$|message-(codec|registry)\.ts$/],
  ['net session send', /^(sendBytes|sent|send|sendMessage|writeFrame|writeMessage|makeRoom|renew) /],
  [
    'net session receive',
    /(session|frame-header|token-bucket|length-prefix-parser|tcp-connection|ws-connection|clock)\.ts$/,
  ],
  ['raw echo server code', /bench-server\.ts$/],
]
const tally = new Map<string, number>()
let busy = 0
for (const n of nodes) {
  const h = hits.get(n.id) ?? 0
  if (h === 0 || n.callFrame.functionName === '(idle)') continue
  busy += h
  let bucket = 'other (runtime, timers, microtasks)'
  for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
    const w = where(byId.get(id)!)
    const hit = BUCKETS.find(([, re]) => re.test(w))
    if (hit) {
      bucket = hit[0]
      break
    }
  }
  tally.set(bucket, (tally.get(bucket) ?? 0) + h)
}
console.log(`profile ${file}: ${busy} busy samples`)
for (const [k, v] of [...tally.entries()].sort((a, b) => b[1] - a[1]))
  console.log(
    `${((100 * v) / busy).toFixed(1).padStart(5)}%  ${((perMsg * v) / busy).toFixed(3)} µs/msg  ${k}`,
  )
