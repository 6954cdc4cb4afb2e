// Server side of the capacity bench: a node:cluster primary and W edge
// worker processes sharing one TCP client port (the primary hands new
// connections out round-robin, as the gateway's `gateway.workers` does),
// each worker a NetServer + EdgeServer with the default net limits except
// maxConnections (under its 20,000-open-files limit).
//   capacity-server.ts <workers> <maxConnectionsPerWorker>
// IPC with the bench (primary): sends {port} once every worker listens;
// answers 'measure' (and 'measure-gc': forced GCs first) with {workers: [{pid, sessions, rss, heapUsed,
// cpuMicros, released}], primary: {pid, rss, cpuMicros}}
// and exits on 'exit'.
import cluster, { type Worker } from 'node:cluster'
import { createRegistry, Echo, SCHEMA_HASH } from '@tessera/protocol'
import { EdgeServer, edgeControlCodec, HmacTokens } from '../../src/edge/index.js'
import { NetServer } from '../../src/net/index.js'
import { CAPACITY_SECRET } from './lean-client.js'

const gc = () => (globalThis as { gc?: () => void }).gc?.()
const cpu = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}

if (cluster.isPrimary) {
  const workers = Number(process.argv[2] ?? 2)
  cluster.schedulingPolicy = cluster.SCHED_RR
  const all: Worker[] = []
  let listening = 0
  let port = 0
  for (let i = 0; i < workers; i++) {
    const w = cluster.fork({ CAPACITY_MAX_CONN: process.argv[3] ?? '19000' })
    all.push(w)
    w.once('message', (m: { port: number }) => {
      port = m.port
      if (++listening === workers) process.send!({ port })
    })
    w.on('exit', (code) => {
      // A worker dying is a bench failure, not something to paper over.
      if (!stopping) {
        process.stderr.write(`capacity worker ${w.process.pid} exited (${code})\n`)
        process.exit(1)
      }
    })
  }
  let stopping = false
  const ask = (w: Worker, m: string) =>
    new Promise<unknown>((res) => {
      w.once('message', res)
      w.send(m)
    })
  process.on('message', async (m: string) => {
    if (m === 'measure' || m === 'measure-gc') {
      const ws = await Promise.all(all.map((w) => ask(w, m)))
      const mem = process.memoryUsage()
      process.send!({ workers: ws, primary: { pid: process.pid, rss: mem.rss, cpuMicros: cpu() } })
    } else if (m === 'exit') {
      stopping = true
      for (const w of all) w.process.kill('SIGKILL')
      process.exit(0)
    }
  })
} else {
  const registry = createRegistry()
  const tokens = new HmacTokens({ secret: CAPACITY_SECRET })
  let released = 0
  // Why sessions ended (the net layer's 'session released' lines, by reason code), and other log lines by message.
  const reasons: Record<string, number> = {}
  const tally = (obj: object, msg?: string) => {
    const key = msg === 'session released' ? String((obj as { reason?: string }).reason) : `log: ${msg}`
    reasons[key] = (reasons[key] ?? 0) + 1
  }
  const logger = { debug: tally, info: tally, warn: tally, error: tally }
  const edge = new EdgeServer({
    registry,
    schemaHash: SCHEMA_HASH,
    verifyToken: tokens.verifier(),
    compression: false,
    encryption: 'off',
    onSessionEnd: () => {
      released++
    },
  })
  edge.route(Echo, (msg) => msg)
  const net = new NetServer({
    handler: edge,
    control: edgeControlCodec,
    limits: { maxConnections: Number(process.env.CAPACITY_MAX_CONN) },
    logger,
  })
  const l = await net.listen('tcp://127.0.0.1:0', 'client')
  process.on('message', (m: string) => {
    if (m !== 'measure' && m !== 'measure-gc') return
    if (m === 'measure-gc') for (let i = 0; i < 4; i++) gc()
    const mem = process.memoryUsage()
    process.send!({
      pid: process.pid,
      sessions: edge.size,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      cpuMicros: cpu(),
      released,
      counters: { ...net.counters },
      reasons,
    })
  })
  process.send!({ port: l.address.port })
}
