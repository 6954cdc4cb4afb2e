// Echo through the cluster — client → gateway → logic → gateway → client —
// beside the edge echo of one process (the kernel's EdgeServer answering
// itself) and Colyseus's room echo (from npm, 0.16), in the same run:
// messages per second, server CPU µs per message and messages per server
// CPU-second, the cluster's split between the gateway and the logic process.
// The cluster runs over binary TCP and over WebSocket (Colyseus speaks only
// WebSocket, so that row is the like-for-like one).
//
// The cluster is the real one (center, login, logic, gateway, each its own
// process on the test MariaDB); every client logs in at login's JSON API and
// hands its single-use token to the gateway. The load generator (this
// process) is the raw protocol client of the edge bench: C clients × 8 Echo
// requests in flight × 32-byte payload, an Ack every 16 frames. The run
// fails if any client sees an error, a kick or a close. Colyseus's clients
// are its own SDK (colyseus.js) with the same count, in-flight depth and
// payload, driven from this process like the others.
//   CLUSTER_ECHO_PROF=DIR writes a --cpu-prof profile of the gateway, logic
//   and login processes into DIR when the cluster stops (read them with
//   services/gateway/bench/profile-top.ts).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '@tessera/testkit'
import { fmt, gc, report, smoke } from '@tessera/testkit/bench'
// biome-ignore lint/style/noRestrictedImports: the edge bench's raw load generator, the same client for both cases; benches have no package entry
import { type EdgeLoad, edgeLoad } from '../../../packages/kernel/bench/edge/edge-load.js'
// biome-ignore lint/style/noRestrictedImports: as above
import { forkChild } from '../../../packages/kernel/bench/net/child.js'
import { GameCluster, PRODUCTION_HEARTBEAT } from '../../../tests/game/support/game-cluster.js'
import { colyseusLoad } from './colyseus/colyseus-load.js'

// The services read TESSERA_* variables as configuration: keep the bench's own out of their environment.
delete process.env.TESSERA_BENCH_SMOKE
const PROF = process.env.CLUSTER_ECHO_PROF
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

/** How long a process has run, ms (/proc: its start in clock ticks since boot, and the uptime). */
function procAgeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000 - startTicks * 10
}

async function measure(load: EdgeLoad, pids: Record<string, number>): Promise<Omit<Result, 'kase'>> {
  await new Promise((r) => setTimeout(r, WARMUP_MS))
  gc()
  load.reset()
  const c0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, procCpuMicros(p)]))
  const age0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, procAgeMs(p)]))
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, WINDOW_MS))
  const ms = performance.now() - t0
  // The window in each profile's own time (ms since its process started), for profile-top.ts.
  if (PROF)
    for (const [k, p] of Object.entries(pids))
      console.error(`profile window: ${k} pid ${p} from ${fmt(age0[k]!, 0)} to ${fmt(procAgeMs(p), 0)} ms`)
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

async function colyseus(): Promise<Result> {
  const port = await freePort()
  const child = await forkChild(path.join(here, 'colyseus/colyseus-server.ts'), [String(port)])
  try {
    const load = await colyseusLoad({ port, clients: CLIENTS, inFlight: IN_FLIGHT, payload: PAYLOAD })
    const r = await measure(load, { colyseus: child.proc.pid! })
    return { kase: 'Colyseus 0.16 room echo (ws, one process)', ...r }
  } finally {
    await child.kill()
  }
}

/** The cluster over TCP, then over WebSocket (each with its own logged-in clients). */
async function throughCluster(): Promise<Result[]> {
  const cluster = new GameCluster({
    // Heartbeats as deployed: the harness's 600 ms timeout drops stalled services on a loaded box (docs/tools.md).
    centerHeartbeat: PRODUCTION_HEARTBEAT,
    gatewayArgs: ['--gateway.clientMsgRatePerSec', '10000000', '--gateway.acceptRatePerSec', '0'],
    loginArgs: ['--login.limits.register.limit', '100000'],
    // Profiles are written when the services exit (SIGTERM at cluster.stop()).
    serviceNodeArgs: PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : [],
  })
  try {
    await cluster.start()
    // Hand-off tokens live 30 s: register first, then log in 8 at a time right before connecting.
    const login = async (run: string) => {
      const accounts = Array.from({ length: CLIENTS }, (_, i) => `bench_${process.pid}_${run}_${i}`)
      for (const account of accounts)
        await cluster.api('register', { account, password: PASSWORD, nickname: account })
      const tokens: string[] = []
      for (let i = 0; i < CLIENTS; i += 8) {
        const batch = await Promise.all(
          accounts
            .slice(i, i + 8)
            .map((account) =>
              cluster.api<{ handoff: { token: string } }>('login', { account, password: PASSWORD }),
            ),
        )
        tokens.push(...batch.map((r) => r.handoff.token))
      }
      return tokens
    }
    const gw = [...cluster.gateways.values()][0]!
    const pids = { gateway: gw.proc.pid, logic: cluster.logics.get(1)!.pid }
    const out: Result[] = []
    for (const transport of ['tcp', 'ws'] as const) {
      const tokens = await login(transport)
      const load = await edgeLoad({
        transport,
        port: transport === 'tcp' ? gw.tcp.port : Number(new URL(gw.ws).port),
        token: '',
        tokens,
        clients: CLIENTS,
        inFlight: IN_FLIGHT,
        payload: PAYLOAD,
        encrypt: false,
      })
      out.push({ kase: `cluster (gateway + logic), ${transport}`, ...(await measure(load, pids)) })
    }
    return out
  } finally {
    await cluster.stop()
  }
}

const edge = await edgeOneProcess()
const col = await colyseus()
const [clTcp, clWs] = await throughCluster()
const cl = clTcp!
const all = [edge, clTcp!, clWs!, col]
const cpuOf = (r: Result, k?: string) => (k ? r.cpu[k]! : Object.values(r.cpu).reduce((a, b) => a + b, 0))
const per = (r: Result, k?: string) => cpuOf(r, k) / Math.max(1, r.messages)
/** Messages per second of server CPU. */
const perCpuSecond = (r: Result) => r.messages / (cpuOf(r) / 1e6)
const rows = all.map((r) => [
  r.kase,
  fmt(r.messages, 0),
  fmt((r.messages / r.ms) * 1000, 0),
  fmt(per(r), 2),
  r.cpu.gateway !== undefined ? `${fmt(per(r, 'gateway'), 2)} + ${fmt(per(r, 'logic'), 2)}` : '–',
  fmt(perCpuSecond(r), 0),
  r === edge ? '1.00 (baseline)' : fmt(per(r) / per(edge), 2),
  r === col ? '1.00 (baseline)' : fmt(perCpuSecond(r) / perCpuSecond(col), 2),
])
const vsCol = (r: Result) => perCpuSecond(r) / perCpuSecond(col)

report({
  title: 'Cluster echo: client → gateway → logic → client vs the edge of one process and Colyseus',
  columns: [
    'path',
    'messages',
    'msg/s',
    'server CPU µs/msg',
    'gateway + logic µs/msg',
    'msg per server CPU-second',
    'CPU/msg vs edge',
    'msg per CPU-s vs Colyseus',
  ],
  rows,
  notes: [
    `${CLIENTS} clients × ${IN_FLIGHT} in flight × ${PAYLOAD}-byte payload, no compression or encryption, ${WINDOW_MS} ms window after ${WARMUP_MS} ms warm-up; every case in this run, the load generator (this process) shared with the servers on this machine.`,
    'edge (one process): the kernel EdgeServer answering Echo itself over binary TCP (packages/kernel/bench/edge), as in the edge echo bench.',
    'cluster: the real services as processes; the gateway opens each frame and forwards header + body to logic in one ClientFrames per socket read, logic sequences, answers and acknowledges, the gateway writes the ToClient frames. CPU is utime + stime of the gateway and logic processes (the Colyseus process for its row) from /proc (10 ms ticks) over the window.',
    'Colyseus: @colyseus/core 0.16.26 + @colyseus/ws-transport 0.16.5 (0.17 and later need Node 22), one room whose onMessage handler sends each message back; clients: colyseus.js 0.16.22, all in that room. One process does all the work there; the cluster splits it over two and forwards between them.',
    "Write coalescing (issue 17): a socket corks at the first frame it gets outside its own read and uncorks once per event-loop turn, in the check phase (packages/kernel/src/net/turn-cork.ts), so every frame a turn sends to one socket — the gateway's ClientFrames to logic from all client reads of the turn, logic's ToClient replies from its async handlers, the ToClient frames to each client — leaves in one writev; the caps are judged on what the kernel refused (a turn's corked frames are flushed before a cut). Logic also answers synchronous handlers without an await and keeps one handler context per session. Before / after, each `pnpm bench --no-write cluster-echo` on this loaded box (load average 11–22; CPU per message moves with load, since a busier turn coalesces more, so compare pairs run back to back): main at 95a0d03 — tcp 23.59 / 24.62 / 17.84 µs/msg, ws 25.85 / 29.74 / 20.56 (0.62 / 0.55 / 0.84× and 0.56 / 0.45 / 0.73× Colyseus); this branch — tcp 11.36 / 12.88 / 17.15, ws 13.22 / 15.59 / 16.94 (1.14 / 0.93 / 0.80× and 0.98 / 0.77 / 0.81× Colyseus). Under --cpu-prof (CLUSTER_ECHO_PROF) main measured tcp 31.71 (gateway 18.00 + logic 13.71), ws 36.62; this branch tcp 10.35 (5.52 + 4.83), ws 15.21. About half the cluster's CPU per message is gone; the 1.5× Colyseus target is still not met.",
    "Where the cluster's CPU per message goes now (CLUSTER_ECHO_PROF=/tmp/prof pnpm bench --no-write cluster-echo, then node --import tsx services/gateway/bench/profile-top.ts FILE 30 FROM_MS TO_MS over each process's printed window, tcp case, this branch): gateway — write syscalls 57% of its busy time (writev 50.5%, single-chunk writes 6.4%: one per client socket per turn, the link's one per turn; before coalescing 77%, one per frame), gateway edge code 8%, kernel net 7%, GC 6.6%, generated codecs 5%. Logic — session-home 24% (onFrames 12%: a promise and a closure per frame on the player's ordered chain), wire runtime 14% (copyOut 8.5%: every ClientFrames frame and ToClient body copied out of the link read), GC 9%, write syscalls 13% (before: 48–55%), runMicrotasks 6%, encodeFrame 4% (a Buffer per ToClient written outside a read). Next levers: encode frames written outside a read into a per-connection turn buffer instead of a Buffer each, decode ClientFrames bodies in place, and run a player's queued frames from one loop instead of a promise each.",
    ...(PROF
      ? [
          `The services ran under --cpu-prof (CLUSTER_ECHO_PROF), whose sampling adds a few per cent of CPU to the cluster rows.`,
        ]
      : []),
    `Target: the cluster path ≥ 1.5× Colyseus's messages per server CPU-second — tcp ${fmt(vsCol(clTcp!), 2)}×, ws ${fmt(vsCol(clWs!), 2)}×: ${vsCol(clWs!) >= 1.5 && vsCol(clTcp!) >= 1.5 ? 'met' : 'NOT MET'}.`,
  ],
})
void cl
