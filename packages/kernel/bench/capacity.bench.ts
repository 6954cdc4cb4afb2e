// Capacity: how many client connections one node holds. W edge worker
// processes (NetServer + EdgeServer, default net limits but maxConnections
// under each process's 20,000-open-files limit) share one TCP port under
// node:cluster; P client processes open N connections from several
// 127.0.0.x source addresses, each doing the real edge handshake with its
// own signed token, then heartbeating every 15 s for the hold. Meanwhile a
// legitimate client (this process, 127.0.0.1) sends one Echo request every
// 20 ms: its p99 during the hold is compared with the same probe against
// the idle servers before any connection. Reported: handshakes, connections
// still open at the end of the hold (the server's idle deadline is 45 s, so
// a client whose heartbeats stop being answered is cut), server RSS per
// connection after forced GCs, and server CPU at rest over the hold.
// Bounded: every phase has a deadline; loopback only; every child killed.
//   CAPACITY_N (default 100,000), CAPACITY_HOLD_S (default 300) override.
import { type ChildProcess, fork } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Echo } from '@tessera/protocol'
import { fmt, report, smoke } from '@tessera/testkit/bench'
import { HmacTokens } from '../src/edge/index.js'
import { CAPACITY_SECRET, LeanClient } from './capacity/lean-client.js'
import { forkChild } from './net/child.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const N = smoke ? 2_000 : Number(process.env.CAPACITY_N ?? 100_000)
const HOLD_MS = smoke ? 10_000 : Number(process.env.CAPACITY_HOLD_S ?? 300) * 1000
const IDLE_PROBE_MS = smoke ? 3_000 : 20_000
const HEARTBEAT_MS = smoke ? 2_000 : 15_000
/** Sessions per worker at most: its fds (sessions + listener + IPC + stdio) stay under 20,000. */
const PER_WORKER = 17_000
const WORKERS = Math.max(2, Math.ceil(N / PER_WORKER))
const PER_CLIENT_PROC = 15_000
const CLIENT_PROCS = Math.max(2, Math.ceil(N / PER_CLIENT_PROC))
/** Connections per source address (each address has ~28,000 ephemeral ports). */
const PER_ADDR = 4_000
const PROBE_EVERY_MS = 20
/** Client processes stop opening connections after this (what is open then is held). */
const RAMP_S = smoke ? 60 : Number(process.env.CAPACITY_RAMP_S ?? 900)

interface WorkerStat {
  pid: number
  sessions: number
  rss: number
  heapUsed: number
  cpuMicros: number
  released: number
  counters: Record<string, number>
  reasons: Record<string, number>
}
interface ServerStat {
  workers: WorkerStat[]
  primary: { pid: number; rss: number; cpuMicros: number }
}
interface ClientStat {
  opened: number
  failed: number
  open: number
  closedAfterOpen: number
  hbSent: number
  hbAnswered: number
  rss: number
  cpuMicros: number
}

const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0)
const serverCpu = (s: ServerStat) => sum(s.workers, (w) => w.cpuMicros) + s.primary.cpuMicros
const mergeCounts = (xs: Record<string, number>[]) => {
  const out: Record<string, number> = {}
  for (const x of xs) for (const [k, v] of Object.entries(x)) out[k] = (out[k] ?? 0) + v
  return out
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** One Echo request every PROBE_EVERY_MS for `ms`; round-trip times in ms, and requests not answered in 5 s. */
async function probe(port: number, ms: number): Promise<{ rtts: number[]; lost: number }> {
  const tokens = new HmacTokens({ secret: CAPACITY_SECRET })
  const body = Echo.encode(Echo.create({ payload: Buffer.alloc(32, 0x61) }))
  let waiting: ((reqId: number) => void) | null = null
  const c = await new Promise<LeanClient>((res, rej) => {
    const cl = new LeanClient(port, '127.0.0.1', tokens.sign(1n, 3_600_000), {
      onOpen: (err) => (err ? rej(err) : res(cl)),
      onHeartbeat() {},
      onEcho: (reqId) => waiting?.(reqId),
      onClose() {},
    })
  })
  const rtts: number[] = []
  let lost = 0
  const end = performance.now() + ms
  try {
    while (performance.now() < end) {
      const t0 = performance.now()
      const reqId = c.echo(body)
      const ok = await new Promise<boolean>((res) => {
        const t = setTimeout(() => res(false), 5_000)
        waiting = (id) => {
          if (id !== reqId) return
          clearTimeout(t)
          res(true)
        }
      })
      if (c.closed) throw new Error('probe connection closed')
      const rtt = performance.now() - t0
      if (ok) rtts.push(rtt)
      else lost++
      await sleep(Math.max(0, PROBE_EVERY_MS - rtt))
    }
  } finally {
    c.destroy()
  }
  return { rtts: rtts.sort((a, b) => a - b), lost }
}

const t00 = performance.now()
const server = await forkChild(
  path.join(here, 'capacity/capacity-server.ts'),
  [String(WORKERS), '19000'],
  120_000,
)
/** A client process: tracked from the fork (so a timeout still kills it), its first IPC message awaited. */
interface ClientProc {
  proc: ChildProcess
  first: Record<string, unknown>
  ask(m: string): Promise<Record<string, unknown>>
}
const procs: ChildProcess[] = []
function forkClients(args: string[]): Promise<ClientProc> {
  const proc = fork(path.join(here, 'capacity/capacity-clients.ts'), args, {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  procs.push(proc)
  const next = (ms: number) =>
    new Promise<Record<string, unknown>>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`client process ${proc.pid} did not answer in ${ms} ms`)), ms)
      proc.once('message', (m) => {
        clearTimeout(t)
        res(m as Record<string, unknown>)
      })
    })
  // Start-up, the ramp, then the handshakes still in flight at its end (10 s handshake deadline).
  return next((RAMP_S + 120) * 1000).then((first) => ({
    proc,
    first,
    ask(m: string) {
      const p = next(60_000)
      proc.send(m)
      return p
    },
  }))
}
const clients: ClientProc[] = []
try {
  const port = server.first.port as number
  const base = (await server.ask('measure-gc')) as unknown as ServerStat
  await probe(port, 1_000) // warm-up (JIT, first allocations), not counted
  const idle = await probe(port, IDLE_PROBE_MS)
  console.error(`idle probe: ${idle.rtts.length} echoes, p99 ${fmt(pct(idle.rtts, 99), 2)} ms`)

  // Ramp: every client process at once, each a bounded number of handshakes in flight.
  const per = Math.ceil(N / CLIENT_PROCS)
  const rampT0 = performance.now()
  const rampLog = setInterval(async () => {
    const s = (await server.ask('measure').catch(() => null)) as unknown as ServerStat | null
    if (s)
      console.error(
        `ramp ${fmt((performance.now() - rampT0) / 1000, 0)} s: ${sum(s.workers, (w) => w.sessions)} server sessions, ${sum(s.workers, (w) => w.released)} released, reasons ${JSON.stringify(mergeCounts(s.workers.map((w) => w.reasons)))}`,
      )
  }, 15_000)
  const spawned = await Promise.all(
    Array.from({ length: CLIENT_PROCS }, (_, p) => {
      const n = Math.min(per, N - p * per)
      const addrs = Array.from({ length: Math.ceil(n / PER_ADDR) }, (_, a) => `127.0.${10 + p}.${a + 2}`)
      return forkClients([
        String(port),
        String(n),
        addrs.join(','),
        String(1_000_000 + p * per),
        String(HEARTBEAT_MS),
        String(RAMP_S),
      ]).then((c) => {
        clients.push(c)
        return c
      })
    }),
  )
  clearInterval(rampLog)
  const rampMs = performance.now() - rampT0
  const opened = sum(spawned, (c) => c.first.opened as number)
  const failed = sum(spawned, (c) => c.first.failed as number)
  const firstError = spawned.map((c) => c.first.firstError as string).find((e) => e)
  const rampLoad = os.loadavg()[0]!
  const handshakeMs = Math.max(...spawned.map((c) => c.first.ms as number))
  console.error(
    `ramp: ${opened} open, ${failed} failed${firstError ? ` (first: ${firstError})` : ''} in ${fmt(rampMs / 1000, 1)} s (${fmt(handshakeMs / 1000, 1)} s of handshakes once the client processes ran)`,
  )

  // The server may still be finishing handshakes the clients already saw answered.
  let start = (await server.ask('measure')) as unknown as ServerStat
  for (let i = 0; i < 40 && sum(start.workers, (w) => w.sessions) < opened; i++) {
    await sleep(250)
    start = (await server.ask('measure')) as unknown as ServerStat
  }
  const status = async () =>
    (await Promise.all(clients.map((c) => c.ask('status')))) as unknown as ClientStat[]
  const c0 = await status()
  const holdT0 = performance.now()
  // The probe runs through the hold; the open count is logged every 30 s.
  const during = probe(port, HOLD_MS)
  while (performance.now() - holdT0 < HOLD_MS - 1_000) {
    await sleep(Math.min(30_000, Math.max(0, HOLD_MS - 1_000 - (performance.now() - holdT0))))
    const s = await status()
    console.error(
      `hold ${fmt((performance.now() - holdT0) / 1000, 0)} s: ${sum(s, (x) => x.open)} open, ${sum(s, (x) => x.closedAfterOpen)} closed, heartbeats ${sum(s, (x) => x.hbAnswered)}/${sum(s, (x) => x.hbSent)}`,
    )
  }
  const hot = await during
  const holdMs = performance.now() - holdT0
  const c1 = await status()
  const endNoGc = (await server.ask('measure')) as unknown as ServerStat
  const end = (await server.ask('measure-gc')) as unknown as ServerStat

  const sessions = sum(end.workers, (w) => w.sessions)
  const stillOpen = sum(c1, (x) => x.open)
  const closed = sum(c1, (x) => x.closedAfterOpen)
  const hbSent = sum(c1, (x) => x.hbSent) - sum(c0, (x) => x.hbSent)
  const hbAnswered = sum(c1, (x) => x.hbAnswered) - sum(c0, (x) => x.hbAnswered)
  const rssDelta = sum(end.workers, (w) => w.rss) - sum(base.workers, (w) => w.rss)
  const cpuHold = serverCpu(endNoGc) - serverCpu(start)
  const clientCpuHold = sum(c1, (x) => x.cpuMicros) - sum(c0, (x) => x.cpuMicros)
  const p99Idle = pct(idle.rtts, 99)
  const p99Hold = pct(hot.rtts, 99)
  const ratio = p99Hold / p99Idle
  // The server also keeps the two probe sessions (held for resume after they close).
  const allHeld = opened === N && stillOpen === N && closed === 0 && sessions >= N
  const reasons = mergeCounts(end.workers.map((w) => w.reasons))
  const counters = mergeCounts(end.workers.map((w) => w.counters))
  console.error(`server counters ${JSON.stringify(counters)}, sessions ended by ${JSON.stringify(reasons)}`)
  console.error(
    `end: ${stillOpen} open, ${closed} closed, ${sessions} server sessions, probe p99 ${fmt(p99Hold, 2)} ms`,
  )

  report({
    title: `Capacity: ${fmt(N, 0)} client connections on one node (edge workers sharing a port)`,
    columns: [
      'phase',
      'connections held',
      'handshakes ok / failed',
      'handshake phase s',
      'closed during hold',
      'heartbeats answered / sent',
      'probe echoes (lost)',
      'probe p50 ms',
      'probe p99 ms',
      'p99 vs idle',
      'server RSS MB',
      'RSS KB / connection',
      'server CPU % of a core',
    ],
    rows: [
      [
        'idle servers (baseline)',
        0,
        '–',
        '–',
        '–',
        '–',
        `${fmt(idle.rtts.length, 0)} (${idle.lost})`,
        fmt(pct(idle.rtts, 50), 2),
        fmt(p99Idle, 2),
        '1.00',
        fmt(sum(base.workers, (w) => w.rss) / 2 ** 20, 0),
        '–',
        '–',
      ],
      [
        `hold ${fmt(holdMs / 1000, 0)} s`,
        fmt(stillOpen, 0),
        `${fmt(opened, 0)} / ${fmt(failed, 0)}`,
        fmt(handshakeMs / 1000, 1),
        fmt(closed, 0),
        `${fmt(hbAnswered, 0)} / ${fmt(hbSent, 0)}`,
        `${fmt(hot.rtts.length, 0)} (${hot.lost})`,
        fmt(pct(hot.rtts, 50), 2),
        fmt(p99Hold, 2),
        fmt(ratio, 2),
        fmt(sum(end.workers, (w) => w.rss) / 2 ** 20, 0),
        fmt(rssDelta / 1024 / Math.max(1, sessions), 2),
        fmt(cpuHold / holdMs / 10, 1),
      ],
    ],
    notes: [
      `Server: ${WORKERS} edge worker processes under node:cluster (round-robin, as gateway.workers) sharing one TCP port, each NetServer + EdgeServer with the default net limits but maxConnections 19,000 (ulimit -Hn is ${process.env.CAPACITY_ULIMIT ?? '20,000'} per process); HMAC tokens, no encryption or compression.`,
      `Clients: ${CLIENT_PROCS} processes (handshake phase: the slowest process's time from its first connect to its last HandshakeOk), ${fmt(PER_ADDR, 0)} connections per source address (127.0.10+p.x), 64 handshakes in flight per process; each a real edge handshake with its own token, then a Heartbeat request every ${HEARTBEAT_MS / 1000} s (the server's idle deadline is 45 s).`,
      `Probe: a legitimate client on 127.0.0.1, one Echo (32-byte payload) every ${PROBE_EVERY_MS} ms, ${IDLE_PROBE_MS / 1000} s against the idle servers, then through the whole hold. Target: p99 during the hold ≤ 2× idle — ${ratio <= 2 ? 'met' : 'NOT MET'} (${fmt(ratio, 2)}×).`,
      `RSS per connection: the workers' RSS after forced GCs at the end of the hold minus before the first connection, over the sessions. Server CPU at rest: utime + stime of the workers and the primary over the hold (heartbeats and the probe only), in % of one core. Client processes used ${fmt(clientCpuHold / holdMs / 10, 1)}% of a core and ${fmt(sum(c1, (x) => x.rss) / 2 ** 20, 0)} MB RSS in all.`,
      `Ramp: ${fmt(opened / (handshakeMs / 1000), 0)} handshakes/s over all client processes (load average ${rampLoad.toFixed(1)} at its end); a client process stops opening connections after ${RAMP_S} s and the hold runs with what is open then.`,
      allHeld
        ? `All ${fmt(N, 0)} connections completed the handshake and stayed connected through the hold.`
        : `NOT ALL HELD: ${opened} handshakes ok, ${stillOpen} open at the end, ${closed} closed during the hold, ${sessions} server sessions${firstError ? `; first error: ${firstError}` : ''}; server sessions ended by ${JSON.stringify(reasons)}.`,
      `Machine: ${os.availableParallelism()} cores shared with other sessions' jobs (load average at the end ${os.loadavg()[0]!.toFixed(1)}); the whole run took ${fmt((performance.now() - t00) / 1000, 0)} s.`,
    ],
  })
  if (!allHeld) process.exitCode = 1
} finally {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((res) => {
          if (p.exitCode !== null || p.signalCode !== null) return res()
          p.once('exit', () => res())
          p.kill('SIGKILL')
        }),
    ),
  )
  await server.ask('exit').catch(() => undefined)
  await server.kill()
}
