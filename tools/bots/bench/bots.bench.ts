// What one machine holds: bots (idle-hold and play) against a real cluster
// (center, login, one logic, two gateway processes, each its own process on
// the test MariaDB), with the cost of each side measured from /proc over a
// window: CPU and memory of the gateways and logic per 1,000 players, and of
// the bot process itself. Then, in the same run, the SDK's cost per message
// beside a lean client (the edge bench's raw protocol speaker): the bots are
// only as good as the SDK.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { TesseraClient } from '@tessera/client'
import { handoffTcp } from '@tessera/client/node'
import { Echo } from '@tessera/protocol'
import { cpuMicros, fmt, gc, report, smoke } from '@tessera/testkit/bench'
// biome-ignore lint/style/noRestrictedImports: the edge bench's raw load generator is the lean client; benches have no package entry
import { edgeLoad } from '../../../packages/kernel/bench/edge/edge-load.js'
import { GameCluster, PRODUCTION_HEARTBEAT } from '../../../tests/game/support/game-cluster.js'
import { inspectorUrl, type LiveMemory, liveMemory } from './live-memory.js'

delete process.env.TESSERA_BENCH_SMOKE // the services read TESSERA_* as configuration
const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../../..')
const IDLE_BOTS = smoke ? 40 : 300
const PLAY_BOTS = smoke ? 10 : 60
/** Memory per player at scale: idle-hold bots over several bot processes and source addresses. */
const SCALE_BOTS = smoke ? 60 : 2000
const SCALE_PROCESSES = 4
/** Below this many players the memory per player is within what a GC moves: not printed. */
const PER_PLAYER_MIN = 1000
const WINDOW_MS = smoke ? 2000 : 10_000
const SDK_CLIENTS = 10
const PASSWORD = 'violet-harbour-92-lanterns'

/** utime + stime of a process, µs (from /proc; clock ticks of 10 ms). */
function procCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10_000
}

/** Resident memory of a process, MiB. */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : 0
}

/** A process and its child processes (the bots CLI's bot processes with --processes). */
function withChildren(pid: number): number[] {
  const out = [pid]
  try {
    for (const t of readdirSync(`/proc/${pid}/task`))
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean))
        out.push(...withChildren(Number(c)))
  } catch {
    // gone meanwhile
  }
  return out
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Side {
  cpuPct: number
  rssMiB: number
}

/** CPU % of one core and RSS of each process (with its child processes) over a window. */
async function window(pids: Record<string, number>): Promise<Record<string, Side>> {
  const groups = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, withChildren(p)]))
  const cpu = (k: string) => groups[k]!.reduce((a, p) => a + procCpuMicros(p), 0)
  const c0 = Object.fromEntries(Object.keys(pids).map((k) => [k, cpu(k)]))
  const t0 = performance.now()
  await sleep(WINDOW_MS)
  const us = (performance.now() - t0) * 1000
  return Object.fromEntries(
    Object.keys(pids).map((k) => [
      k,
      {
        cpuPct: ((cpu(k) - c0[k]!) / us) * 100,
        rssMiB: groups[k]!.reduce((a, p) => a + rssMiB(p), 0),
      },
    ]),
  )
}

/** The bots CLI as its own process, so its cost is measured apart; resolves once `ready` matches its live view. */
function startBots(
  login: string,
  args: string[],
  ready: (connected: number, rounds: number) => boolean,
): Promise<{ pid: number; stop: () => Promise<number | null>; log: () => string }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=tessera-source',
      '--import',
      'tsx',
      'tools/bots/src/cli.ts',
      '--login',
      login,
      '--view',
      'plain',
      ...args,
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const exited = new Promise<number | null>((r) => child.on('exit', r))
  let log = ''
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      log += c
      const m = [...log.matchAll(/bots connected (\d+)\/\d+ .*? rounds (\d+) \| failed bots (\d+)/g)].at(-1)
      if (!m) return
      if (Number(m[3]) > 0) reject(new Error(`bots failed: ${log.slice(-2000)}`))
      else if (ready(Number(m[1]), Number(m[2])))
        resolve({
          pid: child.pid!,
          log: () => log.slice(-3000),
          stop: async () => {
            child.kill('SIGINT')
            return exited
          },
        })
    })
    void exited.then((code) => reject(new Error(`bots exited (${code}) before ready: ${log.slice(-2000)}`)))
  })
}

interface Row {
  kase: string
  players: number
  sides: Record<string, Side>
  /** Each server after forced GCs: before the case's bots came, and with them connected. */
  base: Record<string, LiveMemory>
  with: Record<string, LiveMemory>
  /** Bots that finished their last round (logout included) at the wind-down, with failures by code. */
  left: string
}

const cluster = new GameCluster({
  // Heartbeats as deployed: the harness's 600 ms timeout drops stalled services on a loaded box (docs/tools.md).
  centerHeartbeat: PRODUCTION_HEARTBEAT,
  // The inspector forces GCs in the servers before each memory reading (live-memory.ts).
  serviceNodeArgs: ['--inspect=127.0.0.1:0'],
  gateways: [201, 202],
  // No per-session rate limit: the SDK and lean clients echo as fast as the cluster answers.
  gatewayArgs: ['--gateway.acceptRatePerSec', '0', '--gateway.clientMsgRatePerSec', '10000000'],
  // Bots come from 250 loopback addresses; a login in flight holds a slot of its address's failure limit.
  // Hashing at its floor (1 MiB, one pass): the bench is about holding players, not checking passwords.
  loginArgs: [
    '--login.limits.register.limit',
    '10000000',
    '--login.limits.ip.limit',
    '10000000',
    '--login.argon2.memoryKiB',
    '1024',
    '--login.argon2.timeCost',
    '1',
  ],
})
const rows: Row[] = []
const sdk: { kase: string; messages: number; cpuUs: number; ms: number }[] = []
try {
  await cluster.start()
  // The harness learns login's HTTP address on its first call.
  await cluster.api('register', { account: `probe_${process.pid}`, password: PASSWORD, nickname: 'probe' })
  const gws = [...cluster.gateways.values()]
  const procs = { 'gateway#201': gws[0]!.proc, 'gateway#202': gws[1]!.proc, logic: cluster.logics.get(1)! }
  const servers = Object.fromEntries(Object.entries(procs).map(([k, p]) => [k, p.pid]))
  const inspectors = Object.entries(procs).map(([k, p]) => [k, inspectorUrl(p.stderr)] as const)
  const memory = async () =>
    Object.fromEntries(
      await Promise.all(inspectors.map(async ([k, url]) => [k, await liveMemory(url)] as const)),
    )
  for (const [kase, players, args] of [
    ['idle-hold', IDLE_BOTS, ['--scenario', 'idle-hold', '--ramp-per-s', '5']],
    ['play', PLAY_BOTS, ['--scenario', 'play', '--rounds', '0', '--idle-ms', '2000', '--ramp-per-s', '3']],
    [
      `idle-hold, ${SCALE_PROCESSES} bot processes`,
      SCALE_BOTS,
      ['--scenario', 'idle-hold', '--ramp-per-s', '8', '--processes', String(SCALE_PROCESSES)],
    ],
  ] as const) {
    // Server memory before this case's bots come (the previous case's have left).
    await sleep(2000)
    const base = await memory()
    // The bots' own report (failures with their codes) explains a failed case.
    const reportFile = path.join(os.tmpdir(), `bots-bench-${process.pid}-${rows.length}.md`)
    const bots = await startBots(
      cluster.loginHttp,
      [
        '--bots',
        String(players),
        '--duration',
        '1800',
        '--source-ips',
        '127.0.1.1-250',
        '--report',
        reportFile,
        ...args,
      ],
      // idle: everyone holds a session; play: every bot has played a round (steady state).
      (connected, rounds) => (kase.startsWith('idle-hold') ? connected >= players : rounds >= players),
    )
    await sleep(1000)
    const sides = await window({ ...servers, bots: bots.pid })
    const row: Row = { kase, players, sides, base, with: await memory(), left: '' }
    rows.push(row)
    const code = await bots.stop()
    let botsReport = ''
    try {
      botsReport = readFileSync(reportFile, 'utf8')
      rmSync(reportFile)
    } catch {
      // not written
    }
    const fail = () =>
      new Error(`${kase} bots exited with ${code}: ${bots.log()}\n${botsReport.slice(0, 6000)}`)
    const played = /players: (\d+)\/(\d+) played, (\d+) failed/.exec(botsReport)
    if (code !== 0 && played === null) throw fail()
    // Idle-hold: every held session must still be open and answer its echo
    // (BOTS_CHECK_FAILED otherwise). Failures after that, at the logout of
    // the wind-down (login taking thousands of logouts at once), are a
    // figure of login's, shown in the row, not a failed hold.
    if (kase.startsWith('idle-hold')) {
      const echoes = Number(/\| echo \| (\d+) \|/.exec(botsReport)?.[1] ?? 0)
      if (echoes < players || botsReport.includes('BOTS_CHECK_FAILED')) throw fail()
    } else if (code !== 0) throw fail()
    const codes = [...botsReport.matchAll(/^\| ([A-Z_]+) \| (\d+) \|$/gm)].map((m) => `${m[1]} ${m[2]}`)
    row.left = `${fmt(Number(played?.[1] ?? players), 0)}${codes.length ? ` (${codes.join(', ')})` : ''}`
  }

  // The SDK beside a lean client: 10 clients each on one gateway, one Echo in flight each, this process's CPU per message.
  const gwPort = gws[0]!.tcp.port
  let accounts = 0
  /** Hand-offs to the first gateway only (login picks by load; the others are logged out again). */
  const handoffsOnGw = async (n: number) => {
    const out: { token: string; tcp: string[] }[] = []
    for (let tries = 0; out.length < n && tries < n * 10; tries++) {
      const account = `sdk_${process.pid}_${accounts++}`
      await cluster.api('register', { account, password: PASSWORD, nickname: account })
      const r = await cluster.api<{ sessionToken: string; handoff: { token: string; tcp: string[] } }>(
        'login',
        {
          account,
          password: PASSWORD,
        },
      )
      if (Number(new URL(r.handoff.tcp[0]!).port) === gwPort) out.push(r.handoff)
      else await cluster.api('logout', { sessionToken: r.sessionToken })
    }
    if (out.length < n) throw new Error(`login handed only ${out.length} of ${n} players to gateway#201`)
    return out
  }
  const sdkHandoffs = await handoffsOnGw(SDK_CLIENTS)
  const clients = sdkHandoffs.map(
    (h) =>
      new TesseraClient({
        socket: handoffTcp(h),
        token: h.token,
        encryption: false,
        compression: false,
      }),
  )
  await Promise.all(clients.map((c) => c.connect()))
  let stop = false
  let sdkMessages = 0
  const payload = new Uint8Array(32)
  const loops = clients.map(async (c) => {
    while (!stop) {
      await c.request(Echo, { payload }, { response: Echo })
      sdkMessages++
    }
  })
  await sleep(1000)
  gc()
  const m0 = sdkMessages
  const c0 = cpuMicros()
  const t0 = performance.now()
  await sleep(WINDOW_MS)
  sdk.push({
    kase: '@tessera/client (SDK)',
    messages: sdkMessages - m0,
    cpuUs: cpuMicros() - c0,
    ms: performance.now() - t0,
  })
  stop = true
  await Promise.all(loops)
  await Promise.all(clients.map((c) => c.close()))

  const leanHandoffs = await handoffsOnGw(SDK_CLIENTS)
  const load = await edgeLoad({
    transport: 'tcp',
    port: gwPort,
    token: '',
    tokens: leanHandoffs.map((h) => h.token),
    clients: SDK_CLIENTS,
    inFlight: 1,
    payload: 32,
    encrypt: false,
  })
  await sleep(1000)
  gc()
  load.reset()
  const l0 = cpuMicros()
  const lt0 = performance.now()
  await sleep(WINDOW_MS)
  sdk.push({
    kase: 'lean client',
    messages: load.received(),
    cpuUs: cpuMicros() - l0,
    ms: performance.now() - lt0,
  })
  if (load.failures().length) throw new Error(`lean client failures: ${load.failures()[0]}`)
  load.close()
} finally {
  await cluster.stop()
}

/** KiB per player from a live-memory difference; only at {@link PER_PLAYER_MIN} players and more. */
function perPlayer(deltaMiB: number, players: number): string {
  if (players < PER_PLAYER_MIN) return '—'
  // A drop after forced GCs means the players' memory is below what the runtime itself moved.
  return deltaMiB <= 0 ? 'within noise' : fmt((deltaMiB * 1024) / players, 1)
}
const cpuCell = (pct: number, players: number) => `${fmt(pct, 1)} (${fmt((pct / players) * 1000, 0)})`
report({
  title: 'Bots: what one machine holds (idle and play), per side',
  columns: [
    'scenario',
    'players',
    'gateway CPU % (2 procs; per 1,000 players)',
    'gateway RSS MiB (2 procs, after GC) before → with players',
    'logic CPU % (per 1,000)',
    'logic RSS MiB (after GC) before → with players',
    'bots CPU % (per 1,000)',
    'bots RSS MiB (whole process)',
    'live KiB per player after GC: gateways / logic',
    'logged out at the end',
  ],
  rows: rows.map((r) => {
    const g = ['gateway#201', 'gateway#202']
    const gwCpu = g.reduce((a, k) => a + r.sides[k]!.cpuPct, 0)
    const sum = (m: Record<string, LiveMemory>, f: keyof LiveMemory) => g.reduce((a, k) => a + m[k]![f], 0)
    return [
      r.kase,
      fmt(r.players, 0),
      cpuCell(gwCpu, r.players),
      `${fmt(sum(r.base, 'rssMiB'), 0)} → ${fmt(sum(r.with, 'rssMiB'), 0)}`,
      cpuCell(r.sides.logic!.cpuPct, r.players),
      `${fmt(r.base.logic!.rssMiB, 0)} → ${fmt(r.with.logic!.rssMiB, 0)}`,
      cpuCell(r.sides.bots!.cpuPct, r.players),
      fmt(r.sides.bots!.rssMiB, 0),
      `${perPlayer(sum(r.with, 'liveMiB') - sum(r.base, 'liveMiB'), r.players)} / ${perPlayer(r.with.logic!.liveMiB - r.base.logic!.liveMiB, r.players)}`,
      r.left,
    ]
  }),
  notes: [
    `Cluster: center, login (1 process, Argon2id at its floor, 1 MiB and one pass, so ${IDLE_BOTS} registrations do not dominate), one logic, two gateway processes; the bots CLI (tools/bots) as its own process, ${WINDOW_MS} ms window once every bot holds its session (idle-hold) or has played a round (play: rounds of login, profile, 11 echoes, a cut socket and resume, up to 2 s idle, logout).`,
    `CPU % is of one core (utime + stime from /proc over the window). Server memory is read after two forced full GCs in each server (the services run with --inspect=127.0.0.1:0; the bench asks their inspector for HeapProfiler.collectGarbage, then process.memoryUsage()): before, 2 s before the bots of the case came; with players, right after the window with every bot still connected. "Live KiB per player" is the difference of heapUsed + external (array buffers included) over the players, printed only from ${fmt(PER_PLAYER_MIN, 0)} players (below that it is within what the runtime itself moves); RSS after GC keeps pages V8 does not give back, so it is shown but not divided. The memory of an idle session alone: "Net idle sessions" above. Bots RSS is the whole bot process (Node, tsx and the SDK included).`,
    "The players are few because login is the bottleneck on this shared machine: each bot registers and logs in (database writes for the account, epoch, session, admission and hand-off); past about 10 logins a second the queue of waiting requests passes login's 10 s HTTP socket timeout and connections are cut.",
    `Memory per player at scale: the last row holds ${SCALE_BOTS} idle-hold players from ${SCALE_PROCESSES} bot processes over 250 loopback source addresses (127.0.1.1-250); its "live KiB per player" is for the two gateway processes together and for the logic. Bots CPU and RSS there add up the CLI and its bot processes.`,
    '"Logged out at the end": bots that finished their last round when the case stopped (idle-hold: the held session still open, one echo, logout), with failures by code. Every held session must have answered its echo or the bench fails; failures after that are logouts login could not take at once (thousands in one wind-down on this box: LOGIN_UNAVAILABLE after 20 retries, CLIENT_CONNECT_FAILED past its HTTP timeout).',
    'The center runs with its production heartbeats (1 s, dropped after 5 s of silence), not the test harness\'s 100 / 600 ms: on this loaded box a 600 ms stall is routine, and a dropped logic ends every session bound to it (docs/tools.md, "Holds").',
    'Everything (MariaDB, every service, the bots) shares this machine: the figures are what the load costs here, not a ceiling. The machine was shared with other sessions’ builds and tests during the run (load average far above its 2 cores): compare rows of one run, not runs.',
  ],
})
report({
  title: 'Bots: the SDK’s cost per message beside a lean client (same run, same gateway)',
  columns: ['client', 'messages', 'msg/s', 'client CPU µs/msg', 'ratio vs lean'],
  rows: sdk.map((s) => [
    s.kase,
    fmt(s.messages, 0),
    fmt((s.messages / s.ms) * 1000, 0),
    fmt(s.cpuUs / Math.max(1, s.messages), 1),
    fmt(s.cpuUs / Math.max(1, s.messages) / (sdk[1]!.cpuUs / Math.max(1, sdk[1]!.messages)), 2),
  ]),
  notes: [
    `${SDK_CLIENTS} clients on the same gateway, one Echo (32-byte payload) in flight each, over binary TCP, no encryption or compression, through gateway and logic; ${WINDOW_MS} ms window after 1 s warm-up; CPU is this process's (the clients') over the window.`,
    'SDK: TesseraClient.request (typed encode/decode, pending map and timer, outbox for resend, acks). Lean: the edge bench’s raw protocol speaker (pre-encoded bodies, acks every 16 frames).',
  ],
})
