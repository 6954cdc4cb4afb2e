// Logins per second and latency of the login service at the configured
// Argon2id cost (the defaults: 19 MiB, t=2, p=1, 4 hashes at once), with the
// event loop's longest stall in the login process during the storm, beside
// the baseline of the same run: raw argon2id verifies at the same cost and
// concurrency in this process (no HTTP, no database).
//
// The login node is real: a center, a gateway member, `services/login` as
// child processes (1, then 2 workers sharing one port) on the test MariaDB.
// Load: CONCURRENCY HTTP keep-alive clients, each logging in (right
// password) in a loop for WINDOW_MS. Every login verifies one hash and
// writes the account epoch, a session and a hand-off token.
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { availableParallelism, loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { cpuMicros, fmt, report, smoke } from '@tessera/testkit/bench'
import argon2 from 'argon2'
import {
  GameCluster,
  PRODUCTION_HEARTBEAT,
  type ServiceProc,
} from '../../../tests/game/support/game-cluster.js'
import { loginSectionSchema } from '../src/config.js'

// The services read TESSERA_* variables as configuration: keep the bench's own out of their environment.
delete process.env.TESSERA_BENCH_SMOKE

const cost = loginSectionSchema.parse({}).argon2
/** Failed logins by error code (printed; the table counts them). */
const failures = new Map<string, number>()
const ACCOUNTS = smoke ? 8 : 32
const CONCURRENCY = smoke ? 4 : 16
const WINDOW_MS = smoke ? 1000 : 10_000
const PASSWORD = 'a long enough bench passphrase'

interface Run {
  done: number
  errors: number
  ms: number
  latencies: number[]
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!
}

/** Run `one` from `concurrency` loops for `windowMs`. */
async function storm(
  concurrency: number,
  windowMs: number,
  one: (i: number, client: number) => Promise<boolean>,
): Promise<Run> {
  const latencies: number[] = []
  let errors = 0
  let n = 0
  const t0 = performance.now()
  const end = t0 + windowMs
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      while (performance.now() < end) {
        const s = performance.now()
        const ok = await one(n++, client)
        latencies.push(performance.now() - s)
        if (!ok) errors++
      }
    }),
  )
  return {
    done: latencies.length,
    errors,
    ms: performance.now() - t0,
    latencies: latencies.sort((a, b) => a - b),
  }
}

/** Raw verifies; also this process's own longest event-loop stall meanwhile (the machine's scheduling noise). */
async function baseline(): Promise<Run & { stallMs: number; cpuMicros: number }> {
  const hash = await argon2.hash(PASSWORD, {
    type: argon2.argon2id,
    memoryCost: cost.memoryKiB,
    timeCost: cost.timeCost,
    parallelism: cost.parallelism,
  })
  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  const c0 = cpuMicros()
  const run = await storm(cost.maxConcurrent, WINDOW_MS, () => argon2.verify(hash, PASSWORD))
  const cpu = cpuMicros() - c0
  lag.disable()
  return { ...run, stallMs: stallOf(lag.max / 1e6), cpuMicros: cpu }
}

/**
 * The loop delay monitor (prom-client's, and ours in the baseline) records the
 * time between fires of its 10 ms timer, so an idle loop reads about 10 ms
 * (measured: 9.3-12.6 ms idle; a 50 ms busy block reads 55 ms). The stall is
 * what exceeds the resolution.
 */
const LAG_RESOLUTION_MS = 10
const stallOf = (maxMs: number): number => Math.max(0, maxMs - LAG_RESOLUTION_MS)

async function scrapeLagMax(admin: string): Promise<number> {
  const text = await (await fetch(`${admin}/metrics`)).text()
  const m = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([0-9.e+-]+)$/m.exec(text)
  return m ? stallOf(Number(m[1]) * 1000) : Number.NaN
}

/** utime + stime of a process (all its threads: the hashing pool too), µs (from /proc; 10 ms ticks). */
function procCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10_000
}

interface Storm {
  run: Run
  /** Longest event-loop stall in the window, ms, per process group. */
  stallMs: { login: number; gateway: number; logic: number; center: number }
  /** CPU µs of the login workers over the window. */
  loginCpuMicros: number
  /** The same stalls over an equal window with no logins (the machine's own noise). */
  restStallMs: { login: number; gateway: number; logic: number; center: number }
}

/** Admin endpoints (and pids) a service process logged, waiting until `count` of them did. */
async function adminEndpoints(proc: ServiceProc, count: number): Promise<{ address: string; pid: number }[]> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const found = proc.lines
      .filter((l) => l.msg === 'admin endpoint listening')
      .map((l) => ({ address: l.address as string, pid: l.pid as number }))
    if (found.length >= count) return found
    if (Date.now() > deadline) throw new Error(`${proc.name}: ${found.length} of ${count} admin endpoints`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function loginStorm(processes: number, maxConcurrent = cost.maxConcurrent): Promise<Storm> {
  // The whole cluster, each service its own process with an admin endpoint:
  // the other processes' stalls are read from their /metrics.
  const cluster = new GameCluster({
    // Heartbeats as deployed: the harness's 600 ms timeout drops stalled services on a loaded box (docs/tools.md).
    centerHeartbeat: PRODUCTION_HEARTBEAT,
    serviceAdmin: true,
    loginProcesses: processes,
    loginArgs: [
      '--login.argon2.memoryKiB',
      String(cost.memoryKiB),
      '--login.argon2.timeCost',
      String(cost.timeCost),
      '--login.limits.register.limit',
      '1000',
      '--login.database.connectionLimit',
      '8',
      '--login.argon2.maxConcurrent',
      String(maxConcurrent),
    ],
  })
  try {
    await cluster.start()
    const loginAdmin = await adminEndpoints(cluster.login, processes)
    const others = {
      gateway: (await adminEndpoints([...cluster.gateways.values()][0]!.proc, 1)).map((a) => a.address),
      logic: (await adminEndpoints(cluster.logics.get(1)!, 1)).map((a) => a.address),
      center: [cluster.centerAdmin],
    }
    const names = Array.from({ length: ACCOUNTS }, (_, i) => `bench${i}`)
    // Registration hashes too: a few at a time.
    for (let i = 0; i < names.length; i += 4)
      await Promise.all(
        names.slice(i, i + 4).map((account) => cluster.api('register', { account, password: PASSWORD })),
      )
    // One address per client, as players come from many: a password check
    // reserves its place in the per-address limit (10) before it runs, so
    // 16 checks in flight from one address would be throttled.
    const agents = Array.from(
      { length: CONCURRENCY },
      (_, k) => new Agent({ keepAlive: true, maxSockets: 1, localAddress: `127.0.4.${k + 1}` }),
    )
    const u = new URL(await cluster.loginUrl())
    const login = (i: number, client: number) =>
      new Promise<boolean>((resolve) => {
        const body = JSON.stringify({ account: names[i % names.length], password: PASSWORD })
        const req = request(
          {
            host: u.hostname,
            port: u.port,
            path: '/v1/login',
            method: 'POST',
            agent: agents[client],
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = ''
            res.setEncoding('utf8').on('data', (c: string) => (text += c))
            res.on('end', () => {
              if (res.statusCode !== 200) {
                const code = /"code":"([A-Z_]+)"/.exec(text)?.[1] ?? `HTTP_${res.statusCode}`
                failures.set(code, (failures.get(code) ?? 0) + 1)
              }
              resolve(res.statusCode === 200)
            })
          },
        )
        req.on('error', (err) => {
          failures.set(err.message, (failures.get(err.message) ?? 0) + 1)
          resolve(false)
        })
        req.end(body)
      })
    const every = [...loginAdmin.map((a) => a.address), ...Object.values(others).flat()]
    const maxOf = async (addrs: string[]) => Math.max(...(await Promise.all(addrs.map(scrapeLagMax))))
    const stalls = async () => ({
      login: await maxOf(loginAdmin.map((a) => a.address)),
      gateway: await maxOf(others.gateway),
      logic: await maxOf(others.logic),
      center: await maxOf(others.center),
    })
    // Warm up (JIT, pools), then reset every lag histogram by scraping it;
    // first a window at rest (the control), then the storm.
    await storm(CONCURRENCY, smoke ? 200 : 1000, login)
    await Promise.all(every.map(scrapeLagMax))
    await new Promise((r) => setTimeout(r, WINDOW_MS))
    const restStallMs = await stalls()
    const cpu0 = loginAdmin.map((a) => procCpuMicros(a.pid))
    const run = await storm(CONCURRENCY, WINDOW_MS, login)
    const loginCpuMicros = loginAdmin.reduce((n, a, i) => n + procCpuMicros(a.pid) - cpu0[i]!, 0)
    const stallMs = await stalls()
    for (const a of agents) a.destroy()
    return { run, stallMs, loginCpuMicros, restStallMs }
  } finally {
    await cluster.stop()
  }
}

const load = loadavg()[0]!
const base = await baseline()
const perCore = (done: number, cpu: number) => fmt(done / (cpu / 1e6), 1)
const rows: (string | number)[][] = [
  [
    `baseline: argon2id verify in-process, ${cost.maxConcurrent} at once`,
    fmt(base.done / (base.ms / 1000), 0),
    fmt(base.done / (base.ms / 1000), 0),
    perCore(base.done, base.cpuMicros),
    fmt(pct(base.latencies, 50), 1),
    fmt(pct(base.latencies, 99), 1),
    fmt(base.stallMs, 1),
    '–',
    '–',
    '–',
    base.errors,
  ],
]
let worstOneHash = Number.NaN
let worstOther = 0
const cases: [processes: number, maxConcurrent: number][] = smoke
  ? [[1, cost.maxConcurrent]]
  : [
      [1, cost.maxConcurrent],
      [2, cost.maxConcurrent],
      [1, 1],
    ]
for (const [processes, maxConcurrent] of cases) {
  const { run, stallMs, loginCpuMicros, restStallMs } = await loginStorm(processes, maxConcurrent)
  const rate = run.done / (run.ms / 1000)
  const label = `${processes} process${processes > 1 ? 'es' : ''}${maxConcurrent !== cost.maxConcurrent ? `, ${maxConcurrent} hash at once` : ''}`
  if (maxConcurrent === cost.maxConcurrent)
    worstOther = Math.max(worstOther, stallMs.gateway, stallMs.logic, stallMs.center)
  else worstOneHash = Math.max(stallMs.gateway, stallMs.logic, stallMs.center)
  rows.push(
    [
      `same cluster at rest, no logins (control for the next row)`,
      '–',
      '–',
      '–',
      '–',
      '–',
      fmt(restStallMs.login, 1),
      fmt(restStallMs.gateway, 1),
      fmt(restStallMs.logic, 1),
      fmt(restStallMs.center, 1),
      '–',
    ],
    [
      `login over HTTP, ${label}`,
      fmt(rate, 0),
      fmt(rate / processes, 0),
      perCore(run.done, loginCpuMicros),
      fmt(pct(run.latencies, 50), 1),
      fmt(pct(run.latencies, 99), 1),
      fmt(stallMs.login, 1),
      fmt(stallMs.gateway, 1),
      fmt(stallMs.logic, 1),
      fmt(stallMs.center, 1),
      run.errors,
    ],
  )
  console.log(rows.at(-1)!.join(' | '), failures.size ? JSON.stringify(Object.fromEntries(failures)) : '')
  failures.clear()
}

report({
  title: 'Login: logins per second at the configured Argon2id cost',
  command: 'pnpm bench login',
  columns: [
    'Case',
    'logins/s',
    'per process',
    'logins per login CPU-second',
    'p50 ms',
    'p99 ms',
    'longest stall ms: login',
    'gateway',
    'logic',
    'center',
    'errors',
  ],
  rows,
  notes: [
    `Argon2id m=${cost.memoryKiB} KiB, t=${cost.timeCost}, p=${cost.parallelism} (the config defaults), at most ${cost.maxConcurrent} hashes at once per process on libuv's pool (UV_THREADPOOL_SIZE = ${cost.maxConcurrent} + 4 in login workers).`,
    `A real cluster per row (tests/game/support/game-cluster.ts): center, login (1 or 2 workers under node:cluster), one logic, one gateway, each its own process with an admin endpoint, on the test MariaDB. ${CONCURRENCY} HTTP keep-alive clients, each from its own address (127.0.4.x), log in (right password) in a loop over ${WINDOW_MS / 1000} s after a 1 s warm-up; each login is one verify plus the epoch, session and hand-off token writes in MariaDB.`,
    'logins per login CPU-second: logins over the utime + stime of the login workers (every thread, the hashing pool included; /proc, 10 ms ticks) in the window — logins/s per core. Baseline: the same over this process’s CPU during the raw verifies.',
    'Longest stall: the max of prom-client’s nodejs_eventloop_lag_max_seconds (monitorEventLoopDelay, 10 ms resolution) of each process over the window, read from its /metrics (every histogram reset by a scrape at the window’s start), minus the 10 ms resolution: the monitor records the time between fires of its 10 ms timer, so an idle loop reads about 10 ms (9.3–12.6 ms measured) and a 50 ms busy block 55 ms. Hashing runs on the thread pool, not the event loop; on this overloaded machine a stall is mostly scheduling (compare the baseline’s, a process doing nothing else).',
    `Target: the longest stall in every other process (gateway, logic, center) below 20 ms during the storm — ${worstOther < 20 ? 'met' : 'NOT MET'} (worst ${fmt(worstOther, 1)} ms at the configured concurrency). Each storm row follows a control row: the same processes over an equal window with no logins, so what the storm adds is the difference.`,
    `The last row limits hashing to one at a time (login.argon2.maxConcurrent 1): with ${cost.maxConcurrent} hashing threads on ${availableParallelism()} cores, the pool can hold every core and the other processes wait for one; with one, a core stays free for them, at the cost of logins/s. Worst stall of the other processes in that row: ${fmt(worstOneHash, 1)} ms (${worstOneHash < 20 ? 'within' : 'over'} the 20 ms target). What bounds the configured rows is CPU: hashing threads take every core, so on a node that shares its cores with gateways and logic, set login.argon2.maxConcurrent to the cores left for login (docs/login.md); the center also stalls at rest (control rows) on its own garbage collection.`,
    `Baseline stall: this bench process's own longest event-loop stall during the raw verifies (it does nothing else), i.e. what the machine's scheduling alone costs. Load average at the start: ${fmt(load, 1)} on ${availableParallelism()} cores.`,
    'The machine has 2 cores shared with the load generator, MariaDB and every other service: the hash rate is CPU-bound, so 2 processes share the same 2 cores as 1 and do not add throughput here.',
  ],
})
