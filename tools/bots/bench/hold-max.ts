// The largest idle-hold this machine reaches: a cluster (center, login, one
// logic, gateway processes with optional node:cluster workers, MariaDB) and
// the bots CLI with several bot processes over 127.0.1.x source addresses,
// ramping up to --bots idle players; every 10 s a line with the players
// connected and the CPU/RSS of each side. Stops at --bots connected, at
// --minutes, or once bots fail past --max-failed. A demonstration, not a
// bench: far too slow for CI (it is not a *.bench.ts, so `pnpm bench` never
// runs it).
//
//   node --conditions=tessera-source --import tsx tools/bots/bench/hold-max.ts \
//     --bots 100000 --minutes 15 --processes 6 --gateways 2 --ramp 150 --out /tmp/hold.md
//
// (--out FILE: these lines; the bots' own report, failures included, goes to FILE.bots.md.)
//
// Login hashes every registration and login with Argon2id: here at its
// floor (1 MiB, one pass) so hashing does not bound the count, which this
// run's notes say.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { GameCluster, PRODUCTION_HEARTBEAT } from '../../../tests/game/support/game-cluster.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../../..')
const { values: a } = parseArgs({
  options: {
    bots: { type: 'string', default: '100000' },
    minutes: { type: 'string', default: '15' },
    processes: { type: 'string', default: '6' },
    gateways: { type: 'string', default: '2' },
    'gateway-workers': { type: 'string', default: '0' },
    ramp: { type: 'string', default: '150' },
    'max-failed': { type: 'string', default: '500' },
    out: { type: 'string' },
    /** Keep holding once every bot is connected, until --minutes. */
    hold: { type: 'boolean', default: false },
  },
})
const BOTS = Number(a.bots)
const MINUTES = Number(a.minutes)
const PROCESSES = Number(a.processes)
const GATEWAYS = Number(a.gateways)
const WORKERS = Number(a['gateway-workers'])
const RAMP = Number(a.ramp)
const MAX_FAILED = Number(a['max-failed'])

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
function cpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * 10_000
  } catch {
    return 0
  }
}
function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : 0
  } catch {
    return 0
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const cluster = new GameCluster({
  // Heartbeats as deployed: the harness's 600 ms timeout drops stalled services on a loaded box (docs/tools.md).
  centerHeartbeat: PRODUCTION_HEARTBEAT,
  gateways: Array.from({ length: GATEWAYS }, (_, i) => 201 + i * 10),
  gatewayWorkers: WORKERS,
  gatewayArgs: ['--gateway.acceptRatePerSec', '0'],
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
const lines: string[] = []
const say = (l: string) => {
  lines.push(l)
  process.stdout.write(`${l}\n`)
}
let best = { connected: 0, atS: 0 }
let last: Record<string, { cpuPct: number; rssMiB: number }> = {}
let why = `--minutes ${MINUTES} passed`
const t0 = performance.now()
try {
  await cluster.start()
  const login = await cluster.loginUrl()
  const sides: Record<string, number> = {
    gateways: 0, // filled below: every gateway process and its workers
    logic: cluster.logics.get(1)!.pid,
    login: cluster.login.pid,
  }
  const gwPids = [...cluster.gateways.values()].map((g) => g.proc.pid)
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
      '--scenario',
      'idle-hold',
      '--bots',
      String(BOTS),
      '--processes',
      String(PROCESSES),
      '--source-ips',
      '127.0.1.1-250',
      '--ramp-per-s',
      String(RAMP),
      '--duration',
      String(MINUTES * 60 + 120),
      '--max-error-rate',
      '1',
      ...(a.out ? ['--report', `${a.out}.bots.md`] : []),
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const exited = new Promise<number | null>((r) => child.on('exit', r))
  let log = ''
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    log = (log + c).slice(-20_000)
  })
  say(
    `hold-max: ${BOTS} idle-hold bots, ${PROCESSES} bot processes, 250 source addresses, ramp ${RAMP}/s, ${GATEWAYS} gateway processes × ${WORKERS || 'no'} workers, one logic; Argon2id at 1 MiB / 1 pass`,
  )
  const group = (k: string) => (k === 'gateways' ? gwPids.flatMap(withChildren) : withChildren(sides[k]!))
  const sample = () =>
    Object.fromEntries(
      [...Object.keys(sides), 'bots'].map((k) => {
        const pids = k === 'bots' ? withChildren(child.pid!) : group(k)
        return [
          k,
          { cpu: pids.reduce((s, p) => s + cpuUs(p), 0), rss: pids.reduce((s, p) => s + rssMiB(p), 0) },
        ]
      }),
    )
  let prev = sample()
  let prevT = performance.now()
  let done = false
  void exited.then(() => {
    done = true
  })
  while (!done) {
    await Promise.race([sleep(10_000), exited])
    const now = sample()
    const dt = (performance.now() - prevT) * 1000
    last = Object.fromEntries(
      Object.entries(now).map(([k, v]) => [
        k,
        { cpuPct: ((v.cpu - prev[k]!.cpu) / dt) * 100, rssMiB: v.rss },
      ]),
    )
    prev = now
    prevT = performance.now()
    const m = [...log.matchAll(/bots connected (\d+)\/\d+ .*?\| failed bots (\d+)([^\n]*)/g)].at(-1)
    const connected = Number(m?.[1] ?? 0)
    const failed = Number(m?.[2] ?? 0)
    const s = Math.round((performance.now() - t0) / 1000)
    if (connected > best.connected) best = { connected, atS: s }
    say(
      `${s} s: connected ${connected}, failed ${failed}${m?.[3] ?? ''} | ${Object.entries(last)
        .map(([k, v]) => `${k} ${v.cpuPct.toFixed(0)}% ${v.rssMiB.toFixed(0)} MiB`)
        .join(' · ')}`,
    )
    if (connected >= BOTS && !a.hold) {
      why = `all ${BOTS} connected`
      break
    }
    if (failed > MAX_FAILED) {
      why = `more than ${MAX_FAILED} bots failed (${m?.[3]?.trim() ?? ''})`
      break
    }
    if (performance.now() - t0 > MINUTES * 60_000) break
  }
  if (child.exitCode === null) child.kill('SIGINT')
  await Promise.race([exited, sleep(120_000)])
  if (child.exitCode === null) child.kill('SIGKILL')
  say(`stopped: ${why}; most connected ${best.connected} at ${best.atS} s`)
  say(`bots' last lines:\n${log.split('\n').slice(-6).join('\n')}`)
} finally {
  await cluster.stop()
}
if (a.out) writeFileSync(a.out, `${lines.join('\n')}\n`)
