// Echo through the cluster — client → gateway → logic → gateway → client —
// beside the edge echo of one process (the kernel's EdgeServer answering
// itself), in the same run: messages per second and server CPU µs per
// message, the cluster's split between the gateway and the logic process.
//
// The cluster is the real one (center, login, logic, gateway, each its own
// process on the test MariaDB); every client logs in at login's JSON API and
// hands its single-use token to the gateway. The load generator (this
// process) is the raw protocol client of the edge bench: C clients × 8 Echo
// requests in flight × 32-byte payload, an Ack every 16 frames. The run
// fails if any client sees an error, a kick or a close.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fmt, gc, report, smoke } from '@tessera/testkit/bench'
// biome-ignore lint/style/noRestrictedImports: the edge bench's raw load generator, the same client for both cases; benches have no package entry
import { type EdgeLoad, edgeLoad } from '../../../packages/kernel/bench/edge/edge-load.js'
// biome-ignore lint/style/noRestrictedImports: as above
import { forkChild } from '../../../packages/kernel/bench/net/child.js'
import { GameCluster } from '../../../tests/game/support/game-cluster.js'

// The services read TESSERA_* variables as configuration: keep the bench's own out of their environment.
delete process.env.TESSERA_BENCH_SMOKE
const here = path.dirname(fileURLToPath(import.meta.url))
const CLIENTS = smoke ? 10 : 50
const IN_FLIGHT = 8
const PAYLOAD = 32
const WARMUP_MS = smoke ? 300 : 1000
const WINDOW_MS = smoke ? 500 : 5000
const PASSWORD = 'violet-harbour-92-lanterns'

interface Result {
  kase: string
  messages: number
  ms: number
  /** Server CPU µs in the window, per process. */
  cpu: Record<string, number>
}

/** utime + stime of a process, µs (from /proc; clock ticks of 10 ms). */
function procCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields 14 and 15 of stat(5); f starts at field 3.
  return (Number(f[11]) + Number(f[12])) * 10_000
}

async function measure(load: EdgeLoad, pids: Record<string, number>): Promise<Omit<Result, 'kase'>> {
  await new Promise((r) => setTimeout(r, WARMUP_MS))
  gc()
  load.reset()
  const c0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, procCpuMicros(p)]))
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, WINDOW_MS))
  const ms = performance.now() - t0
  const messages = load.received()
  const cpu = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, procCpuMicros(p) - c0[k]!]))
  const failures = load.failures()
  load.close()
  if (messages === 0) throw new Error('no echo received')
  if (failures.length > 0) throw new Error(`${failures.length} failures, first: ${failures[0]}`)
  return { messages, ms, cpu }
}

async function edgeOneProcess(): Promise<Result> {
  const child = await forkChild(path.join(here, '../../../packages/kernel/bench/edge/edge-bench-server.ts'), [
    'tcp',
    'off',
  ])
  try {
    const load = await edgeLoad({
      transport: 'tcp',
      port: child.first.port as number,
      token: child.first.token as string,
      clients: CLIENTS,
      inFlight: IN_FLIGHT,
      payload: PAYLOAD,
      encrypt: false,
    })
    const r = await measure(load, { edge: child.proc.pid! })
    return { kase: 'edge (one process)', ...r }
  } finally {
    await child.kill()
  }
}

async function throughCluster(): Promise<Result> {
  const cluster = new GameCluster({
    gatewayArgs: ['--gateway.clientMsgRatePerSec', '10000000', '--gateway.acceptRatePerSec', '0'],
    loginArgs: ['--login.limits.register.limit', '100000'],
  })
  try {
    await cluster.start()
    const tokens: string[] = []
    for (let i = 0; i < CLIENTS; i++) {
      const account = `bench_${process.pid}_${i}`
      await cluster.api('register', { account, password: PASSWORD, nickname: account })
      const r = await cluster.api<{ handoff: { token: string } }>('login', { account, password: PASSWORD })
      tokens.push(r.handoff.token)
    }
    const gw = [...cluster.gateways.values()][0]!
    const load = await edgeLoad({
      transport: 'tcp',
      port: gw.tcp.port,
      token: '',
      tokens,
      clients: CLIENTS,
      inFlight: IN_FLIGHT,
      payload: PAYLOAD,
      encrypt: false,
    })
    const r = await measure(load, { gateway: gw.proc.pid, logic: cluster.logics.get(1)!.pid })
    return { kase: 'cluster (gateway + logic)', ...r }
  } finally {
    await cluster.stop()
  }
}

const edge = await edgeOneProcess()
const cl = await throughCluster()
const per = (r: Result, k?: string) =>
  (k ? r.cpu[k]! : Object.values(r.cpu).reduce((a, b) => a + b, 0)) / Math.max(1, r.messages)
const rows = [edge, cl].map((r) => [
  r.kase,
  fmt(r.messages, 0),
  fmt((r.messages / r.ms) * 1000, 0),
  fmt(per(r), 2),
  r === cl ? `${fmt(per(r, 'gateway'), 2)} + ${fmt(per(r, 'logic'), 2)}` : '–',
  r === edge ? '1.00 (baseline)' : fmt(per(r) / per(edge), 2),
])

report({
  title: 'Cluster echo: client → gateway → logic → client vs the edge of one process',
  columns: ['path', 'messages', 'msg/s', 'server CPU µs/msg', 'gateway + logic µs/msg', 'ratio vs edge'],
  rows,
  notes: [
    `${CLIENTS} clients × ${IN_FLIGHT} in flight × ${PAYLOAD}-byte payload over binary TCP, no compression or encryption, ${WINDOW_MS} ms window after ${WARMUP_MS} ms warm-up; both cases in this run, the load generator (this process) shared with the servers on this machine.`,
    'edge (one process): the kernel EdgeServer answering Echo itself (packages/kernel/bench/edge), as in the edge echo bench.',
    'cluster: the real services as processes; the gateway opens each frame and forwards header + body to logic in one ClientFrames per socket read, logic sequences, answers and acknowledges, the gateway writes the ToClient frames. CPU is utime + stime of the gateway and logic processes from /proc (10 ms ticks) over the window.',
  ],
})
