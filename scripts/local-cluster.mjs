#!/usr/bin/env node
// Starts a local Tessera cluster and bots that play through it: a private
// MariaDB instance, the center, login (2 processes on one port), two logic
// services and two gateways; then bots (tools/bots) register, log in, hand
// off to a gateway and play through logic over TCP and WebSocket, checking
// every answer. The terminal shows a compact summary (addresses, commands
// to try, the bots' live figures); every service logs to a file in the run
// folder. A service that dies is restarted, as systemd would. Ctrl-C stops
// everything gracefully, once.
//
//   node scripts/local-cluster.mjs             (after pnpm build; scripts/run.sh does both)
//   node scripts/local-cluster.mjs --smoke     (bots play for --duration s, then stop; exit 0 only if all played clean)
//   node scripts/local-cluster.mjs --bots 50   (bots in all, half over tcp, half over ws; default 200)
//   --source           run the TypeScript sources through tsx (tests)
//   --dir DIR          the run folder (default .tmp/local-cluster)
//   --duration S       smoke: how long the bots play (default 40)
//   --scenario NAME    what the bots do (default play)
//   --ramp-per-s R     bots started per second over both stacks (default 10)
//   --center-database  the center's database name (tests give each run its own)
//   -- ARGS...         passed to the bots (tools/bots flags, e.g. -- --hostile flood=2)
//
// MYSQL_URL points it at an existing server instead of a private instance.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dashdash = process.argv.indexOf('--')
const args = process.argv.slice(2, dashdash < 0 ? undefined : dashdash)
// Everything after `--` goes to the bots (e.g. -- --hostile flood=2 --idle-ms 500).
const extraBotArgs = dashdash < 0 ? [] : process.argv.slice(dashdash + 1)
const flag = (name) => args.includes(name)
const value = (name, dflt) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : dflt
}
const source = flag('--source')
const smoke = flag('--smoke')
const totalBots = Number(value('--bots', '200'))
const smokeDurationS = Number(value('--duration', '40'))
const scenario = value('--scenario', 'play')
// Bots started per second, over both stacks: login hashes every new password (Argon2id), a few per core per second.
const rampPerS = Number(value('--ramp-per-s', '10'))
const centerDatabase = value('--center-database')
const runDir = path.resolve(value('--dir', path.join(root, '.tmp/local-cluster')))
const logDir = path.join(runDir, 'logs')
// Bots spread over 127.0.0.2-9 (every 127/8 address is loopback on Linux), so
// the gateways' per-address accept limit sees several clients, as in the field.
const sourceIps = value('--source-ips', process.platform === 'linux' ? '127.0.0.2-9' : '')
for (const [k, v] of [
  ['--bots', totalBots],
  ['--duration', smokeDurationS],
])
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`local-cluster: ${k} must be a whole number >= 1\n`)
    process.exit(2)
  }

const services = new Map() // name → { name, kind, args, child, exited, restarts, warnings, errors, log }
let stopping = null
let mariadbDir

function say(msg) {
  process.stdout.write(`\x1b[1;34m[cluster]\x1b[0m ${msg}\n`)
}

/** Holds a port open until closed, so no later pick (or service) takes it. */
function holdPort(port) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.on('error', reject)
    srv.listen(port, '127.0.0.1', () => resolve(srv))
  })
}

/**
 * Ports below the kernel's ephemeral range: a port picked from inside it can
 * be taken by any outbound connection on a busy machine (bots, tests) between
 * the pick and the service binding it.
 */
function listenRange() {
  let low = 32768
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
  } catch {}
  return low > 12000 ? [10000, low - 1] : [low, 65535]
}

/**
 * Picks every port of the run at once, each held open until all are chosen
 * (so no two picks collide); `pairs` asks for a port whose next one is free
 * too (login's worker i listens for admin on port + i).
 */
async function pickPorts(count, pairs) {
  const [lo, hi] = listenRange()
  const held = []
  const grab = async (width) => {
    for (let tries = 0; tries < 200; tries++) {
      const p = lo + Math.floor(Math.random() * (hi - lo - width))
      const got = []
      for (let k = 0; k < width; k++) {
        const s = await holdPort(p + k).catch(() => null)
        if (!s) break
        got.push(s)
      }
      if (got.length === width) {
        held.push(...got)
        return p
      }
      await Promise.all(got.map((s) => new Promise((r) => s.close(r))))
    }
    throw new Error(`no free port in ${lo}-${hi} on 127.0.0.1`)
  }
  try {
    const ports = []
    for (let i = 0; i < count; i++) ports.push(await grab(1))
    const pairPorts = []
    for (let i = 0; i < pairs; i++) pairPorts.push(await grab(2))
    return { ports, pairs: pairPorts }
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))))
  }
}

const nodeArgs = (entryTs, entryJs) =>
  source ? ['--conditions=tessera-source', '--import', 'tsx', entryTs] : [entryJs]

/** The pid of every service, rewritten on each (re)start: tests and users find processes here. */
function writePids() {
  const pids = Object.fromEntries([...services].map(([n, s]) => [n, s.child?.pid ?? null]))
  writeFileSync(path.join(runDir, 'pids.json'), `${JSON.stringify(pids, null, 2)}\n`)
}

/** Start (or restart) a service: its output goes to logs/<name>.log; warnings and errors are counted. */
function launch(svc) {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs(`services/${svc.kind}/src/main.ts`, `services/${svc.kind}/dist/main.js`),
      '--config',
      `services/${svc.kind}/config/local.json`,
      '--log.pretty',
      'false',
      ...svc.args,
    ],
    // Own process group: Ctrl-C in the terminal reaches only this script, which
    // stops each service once with SIGTERM (a service that saw the terminal's
    // SIGINT too would take our SIGTERM as a second signal and skip its drain).
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  )
  svc.child = child
  svc.exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })))
  let buf = ''
  child.stdout.setEncoding('utf8').on('data', (c) => {
    svc.log.write(c)
    buf += c
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      let o
      try {
        o = JSON.parse(line)
      } catch {
        continue
      }
      if (o.level >= 50) svc.errors++
      else if (o.level >= 40) svc.warnings++
      for (const w of svc.watchers) w(o)
    }
  })
  child.stderr.setEncoding('utf8').on('data', (c) => svc.log.write(c))
  child.on('exit', (code, signal) => {
    if (stopping || svc.stopped) return
    // Died on its own (a crash, kill -9): restart it as a unit manager would,
    // unless it keeps dying (5 times within a minute, like systemd's start limit).
    svc.restarts++
    svc.recent = [...svc.recent.filter((t) => Date.now() - t < 60_000), Date.now()]
    if (svc.recent.length > 5) {
      say(
        `${svc.name} exited (${signal ?? `code ${code}`}) 6 times within a minute; giving up (see ${svc.log.path})`,
      )
      requestStop('a service that keeps failing', 1)
      return
    }
    say(`${svc.name} exited (${signal ?? `code ${code}`}); restarting it (restart ${svc.restarts})`)
    setTimeout(() => {
      if (!stopping) {
        launch(svc)
        writePids()
      }
    }, 1000)
  })
  writePids()
}

function start(name, kind, extraArgs) {
  const svc = {
    name,
    kind,
    args: extraArgs,
    child: null,
    exited: null,
    restarts: 0,
    recent: [],
    warnings: 0,
    errors: 0,
    stopped: false,
    watchers: new Set(),
    log: createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' }),
  }
  services.set(name, svc)
  launch(svc)
  return svc
}

/** Resolves with the first log line of `svc` that `pred` accepts. */
function logLine(svc, pred, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      svc.watchers.delete(w)
      reject(new Error(`${svc.name}: no matching log line within ${timeoutMs} ms (see ${svc.log.path})`))
    }, timeoutMs)
    const w = (o) => {
      if (!pred(o)) return
      clearTimeout(t)
      svc.watchers.delete(w)
      resolve(o)
    }
    svc.watchers.add(w)
  })
}

async function until(what, fn, timeoutMs = 90_000) {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn().catch(() => undefined)
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (logs in ${logDir})`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function getJson(url) {
  const res = await fetch(url)
  if (!res.ok) return undefined
  return res.json()
}

async function stopServices() {
  const list = [...services.values()].reverse()
  for (const s of list) {
    s.stopped = true
    if (s.child?.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM')
  }
  const results = await Promise.all(list.map((s) => s.exited.then((r) => ({ name: s.name, ...r }))))
  for (const s of list) s.log.end()
  if (mariadbDir)
    spawnSync('bash', ['scripts/mariadb/mariadb.sh', 'stop', mariadbDir], { cwd: root, stdio: 'ignore' })
  return results
}

/**
 * One bots process (a game client is not part of the cluster): its live
 * view (plain lines) is shown prefixed, its report goes to the run folder.
 */
function startBots(stack, bots, durationS, rounds) {
  const base = path.join(runDir, `bots-${stack}`)
  const botArgs = [
    '--login',
    endpoints.login,
    '--bots',
    String(bots),
    '--stack',
    stack,
    '--scenario',
    scenario,
    '--duration',
    String(durationS),
    '--rounds',
    String(rounds),
    '--ramp-per-s',
    String(rampPerS / 2),
    '--view',
    'plain',
    '--report',
    `${base}.md`,
    '--json',
    `${base}.json`,
    ...(sourceIps ? ['--source-ips', sourceIps] : []),
    ...extraBotArgs,
  ]
  const child = spawn(
    process.execPath,
    [...nodeArgs('tools/bots/src/cli.ts', 'tools/bots/dist/cli.js'), ...botArgs],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // Ctrl-C is ours to pass on: the bots wind down and still write their report
    },
  )
  const log = createWriteStream(path.join(logDir, `bots-${stack}.log`), { flags: 'a' })
  child.stdout.setEncoding('utf8').on('data', (c) => log.write(c))
  child.stderr.setEncoding('utf8').on('data', (c) => {
    log.write(c)
    for (const line of c.split('\n'))
      if (line.trim()) process.stdout.write(`\x1b[1;32m[bots ${stack}]\x1b[0m ${line}\n`)
  })
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
  return { stack, child, exited, json: `${base}.json`, md: `${base}.md`, log }
}

const endpoints = {}
let bots = []

function writeEnv(secret, mysqlUrl, gateways, metrics) {
  const env = {
    TESSERA_RUN_DIR: runDir,
    TESSERA_CENTER: endpoints.center,
    TESSERA_CENTER_ADMIN: endpoints.centerAdmin,
    TESSERA_CLUSTER_SECRET: secret,
    TESSERA_LOGIN_URL: endpoints.login,
    TESSERA_GATEWAY_TCP: gateways.map((g) => g.tcp).join(' '),
    TESSERA_GATEWAY_WS: gateways.map((g) => g.ws).join(' '),
    TESSERA_MYSQL_URL: mysqlUrl,
    TESSERA_METRICS: metrics.join(' '),
  }
  const file = path.join(runDir, 'cluster.env')
  // 0600: it holds the cluster secret.
  writeFileSync(
    file,
    `${Object.entries(env)
      .map(([k, v]) => `${k}='${v}'`)
      .join('\n')}\n`,
    { mode: 0o600 },
  )
  return file
}

/** `tessera-icons apply`: the sample icon set into the catalogue database logic reads (logic.catalogue.database). */
function applyIcons(mysqlUrl, database) {
  const r = spawnSync(
    process.execPath,
    [
      ...nodeArgs('tools/icons/src/cli.ts', 'tools/icons/dist/cli.js'),
      'apply',
      '--url',
      mysqlUrl,
      '--database',
      database,
    ],
    { cwd: root, encoding: 'utf8' },
  )
  if (r.status !== 0) throw new Error(`tessera-icons apply failed: ${r.stderr}`)
  return r.stdout.trim()
}

async function main() {
  mkdirSync(logDir, { recursive: true })
  let mysqlUrl = process.env.MYSQL_URL
  if (!mysqlUrl) {
    mariadbDir = path.join(runDir, 'mariadb')
    const r = spawnSync('bash', ['scripts/mariadb/mariadb.sh', 'start', mariadbDir, '0'], {
      cwd: root,
      encoding: 'utf8',
    })
    if (r.status !== 0) throw new Error(`MariaDB did not start: ${r.stderr}`)
    mysqlUrl = r.stdout.trim().split('\n').at(-1)
  }
  say(`run folder ${runDir} (logs in ${logDir})`)
  const catalogueHash = applyIcons(mysqlUrl, 'catalogue')
  say(
    `icon catalogue: tools/icons/sample applied to database catalogue (tessera-icons apply), hash ${catalogueHash}`,
  )
  const secret = randomBytes(24).toString('hex')
  // center, its admin, logic ×2 admin, login HTTP, gateway ×2 (tcp, ws, admin); login's admin pair.
  const picked = await pickPorts(11, 1)
  const port = async () => `127.0.0.1:${picked.ports.shift()}`
  endpoints.center = await port()
  endpoints.centerAdmin = `http://${await port()}`
  const cluster = ['--cluster.center', endpoints.center, '--cluster.secret', secret]
  const adminOf = new Map()
  const admin = async (name) => {
    const url = `http://${await port()}`
    adminOf.set(name, url)
    return ['--admin.listen', url]
  }

  start('center', 'center', [
    '--center.listen',
    `tcp://${endpoints.center}`,
    '--center.admin',
    endpoints.centerAdmin,
    '--center.mysqlUrl',
    mysqlUrl,
    '--center.secret',
    secret,
    ...(centerDatabase ? ['--center.database', centerDatabase] : []),
    '--app.dataDir',
    path.join(runDir, 'center'),
  ])
  adminOf.set('center', endpoints.centerAdmin)
  await until('the center', () => fetch(`${endpoints.centerAdmin}/healthz`).then((r) => r.ok))

  for (const [i, node] of [
    [1, 'node-a'],
    [2, 'node-b'],
  ])
    start(`logic#${i}`, 'logic', [
      ...cluster,
      '--logic.serviceId',
      String(i),
      // The same slot list as the gateways' gateway.logicSlots (private chat, channel owners).
      '--logic.slots',
      JSON.stringify([1, 2]),
      // The storage names its database logic_<machineId> from app.machineId.
      '--app.machineId',
      String(10 + i),
      '--storage.url',
      mysqlUrl,
      '--logic.peerPingMs',
      '1000',
      '--app.node',
      node,
      '--app.dataDir',
      path.join(runDir, `logic-${i}`),
      ...(await admin(`logic#${i}`)),
    ])
  endpoints.login = `http://${await port()}`
  adminOf.set('login', `http://127.0.0.1:${picked.pairs[0]}`)
  adminOf.set('login-2', `http://127.0.0.1:${picked.pairs[0] + 1}`)
  start('login', 'login', [
    ...cluster,
    '--app.machineId',
    '1',
    '--app.dataDir',
    path.join(runDir, 'login'),
    '--login.listen',
    JSON.stringify([endpoints.login]),
    // Local development: plaintext fronts allowed (a network bind would otherwise be refused).
    '--login.allowPlaintext',
    'true',
    '--login.processes',
    '2',
    '--login.database.url',
    mysqlUrl,
    '--login.database.name',
    'login',
    // Every bot registers and logs in from a few loopback addresses: lift the
    // per-address limits for this local run only (registrations: 20 an hour;
    // logins: 10 failures in 10 minutes, and a login in flight holds a slot
    // until it succeeds, so a queue of password checks from one address fills it).
    '--login.limits.register.limit',
    '1000000',
    '--login.limits.ip.limit',
    '1000000',
    // Password hashing as in the test suites (8 MiB, one pass): at the production cost
    // (19 MiB, two passes) one machine checks about 8 passwords a second
    // (docs/benchmarks.md, "Login"), fewer than 200 playing bots ask for; a login
    // waiting longer than 10 s for its hash has its connection cut.
    '--login.argon2.memoryKiB',
    '8192',
    '--login.argon2.timeCost',
    '1',
    // Worker i of login serves its admin endpoint on port + i.
    '--admin.listen',
    `http://127.0.0.1:${picked.pairs[0]}`,
  ])
  const gateways = []
  for (const id of [200, 201]) {
    const g = { id, tcp: `tcp://${await port()}`, ws: `ws://${await port()}` }
    gateways.push(g)
    start(`gateway#${id}`, 'gateway', [
      ...cluster,
      '--gateway.serviceId',
      String(id),
      // A fixed machine id, as logic and login have: a gateway restarted after
      // kill -9 would otherwise wait for its old lease to expire (about 30 s).
      '--app.machineId',
      String(id - 179),
      '--gateway.workers',
      '0',
      '--gateway.listen',
      JSON.stringify([g.tcp, g.ws]),
      '--gateway.logicSlots',
      JSON.stringify([1, 2]),
      '--app.node',
      id === 200 ? 'node-a' : 'node-b',
      '--app.dataDir',
      path.join(runDir, `gateway-${id}`),
      ...(await admin(`gateway#${id}`)),
    ])
  }
  const view = await until('every service READY at the center', async () => {
    const v = await getJson(`${endpoints.centerAdmin}/admin/cluster`)
    const ready = (v?.services ?? []).filter((s) => s.state === 3)
    const n = (k) => ready.filter((s) => s.kind === k).length
    return n('logic') === 2 && n('gateway') === 2 && n('login') >= 1 ? v : undefined
  })
  await until('the login HTTP API', () =>
    fetch(`${endpoints.login}/v1/login`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    }).then(() => true),
  )
  // The logic services talk through the ServiceProxy (peer-ping) before bots arrive.
  await Promise.all(
    ['logic#1', 'logic#2'].map((n) =>
      logLine(services.get(n), (o) => String(o.msg).startsWith('peer-ping: answered')),
    ),
  )

  const metrics = [...adminOf.values()].map((u) => `${u}/metrics`)
  const envFile = writeEnv(secret, mysqlUrl, gateways, metrics)
  const states = ['UNSPECIFIED', 'PREPARING', 'STARTING', 'READY', 'DRAINING']
  const lines = [
    '',
    'Tessera is up: a cluster on this machine, with bots playing through it.',
    '',
    `  center       ${endpoints.center}   admin ${endpoints.centerAdmin}/admin/cluster`,
    `  login        ${endpoints.login} (2 processes)`,
    ...gateways.map((g) => `  gateway#${g.id}  ${g.tcp}  ${g.ws}`),
    ...view.services
      .filter((s) => s.kind === 'logic')
      .map(
        (s) =>
          `  logic#${s.serviceId}      on ${s.node}, machine id ${s.machineId}, ${states[s.state] ?? s.state}`,
      ),
    '',
    '  metrics (Prometheus text):',
    ...[...adminOf].map(([n, u]) => `    ${n.padEnd(12)} ${u}/metrics`),
    '',
    `  logs         ${logDir}/<service>.log (JSON lines; e.g. tail -f ${path.relative(process.cwd(), logDir) || '.'}/gateway#200.log)`,
    `  env          ${envFile} (0600: addresses and the cluster secret)`,
    '',
    'Try, in another terminal:',
    `  set -a; . ${envFile}; set +a`,
    '  pnpm --filter @tessera/machine-id machine-id --center $TESSERA_CENTER --node my-box --service logic',
    '  pnpm --filter @tessera/bots tessera-bots --login $TESSERA_LOGIN_URL --bots 5 --stack ws',
    '  curl -s $TESSERA_CENTER_ADMIN/admin/cluster',
    `  curl -s ${adminOf.get('gateway#200')}/metrics | grep tessera_net_sessions`,
    '',
  ]
  for (const l of lines) process.stdout.write(`${l}\n`)

  // Bots: half over tcp, half over ws, in two processes beside each other.
  const tcpBots = Math.ceil(totalBots / 2)
  const durationS = smoke ? smokeDurationS : 7 * 24 * 3600
  say(
    `${totalBots} bots play "${scenario}" (${tcpBots} over tcp, ${totalBots - tcpBots} over ws)${smoke ? ` for ${durationS} s` : '; Ctrl-C stops everything'}. Their figures every 5 s:`,
  )
  bots = [startBots('tcp', tcpBots, durationS, 0)]
  if (totalBots - tcpBots > 0) bots.push(startBots('ws', totalBots - tcpBots, durationS, 0))
  const statusTimer = setInterval(serviceStatus, 15_000)
  statusTimer.unref()
  const codes = await Promise.all(bots.map((b) => b.exited))
  clearInterval(statusTimer)
  if (stopping) return
  await finish(codes)
}

let lastStatus = ''
/** One line when something about the services changed (restarts, warnings, errors). */
function serviceStatus() {
  const list = [...services.values()]
  const up = list.filter((s) => s.child?.exitCode === null).length
  const restarts = list.filter((s) => s.restarts).map((s) => `${s.name} ×${s.restarts}`)
  const w = list.reduce((n, s) => n + s.warnings, 0)
  const e = list.reduce((n, s) => n + s.errors, 0)
  const line = `services up ${up}/${list.length}${restarts.length ? `, restarted: ${restarts.join(', ')}` : ''}; log warnings ${w}, errors ${e} (${logDir})`
  if (line !== lastStatus) say(line)
  lastStatus = line
}

/** The bots are done: show their verdicts, stop the services, exit 0 only if all is clean. */
async function finish(codes, interrupted = false) {
  let botsOk = true
  for (const [i, b] of bots.entries()) {
    let heading = `bots over ${b.stack} exited with ${codes[i]}`
    try {
      const r = JSON.parse(readFileSync(b.json, 'utf8'))
      const { bots: total, played, failed, rounds } = r.totals
      heading = `bots over ${b.stack}: ${played}/${total} played (${rounds} rounds), ${failed} failed${r.missed.length ? `; missed: ${r.missed.join('; ')}` : ''} — report ${b.md}`
      if (played !== total || failed > 0 || r.missed.length) botsOk = false
    } catch {
      botsOk = false
    }
    if (codes[i] !== 0) botsOk = false
    say(heading)
  }
  serviceStatus()
  const results = await stopServices()
  for (const r of results) say(`${r.name} exited with ${r.code ?? r.signal}`)
  const bad = results.filter((r) => r.code !== 0)
  if (bad.length) say(`unclean exit: ${bad.map((r) => r.name).join(', ')}`)
  else say('stopped cleanly')
  // Interrupted by the user: the bots' verdict is shown, the exit status is the services' clean stop.
  const ok = (interrupted || botsOk) && bad.length === 0 && !gaveUp
  if (smoke) say(ok ? 'smoke run passed' : 'smoke run FAILED')
  process.exit(ok ? 0 : 1)
}

/** Ctrl-C or SIGTERM, at any moment (also during start-up): bots wind down, then every service stops once. */
let gaveUp = false
function requestStop(sig, failed = 0) {
  if (failed) gaveUp = true
  if (stopping) {
    say(`${sig}: already stopping; waiting for the bots and services to finish`)
    return
  }
  stopping = (async () => {
    say(`${sig}: stopping; the bots finish their round and report, then each service drains and flushes`)
    for (const b of bots) if (b.child.exitCode === null) b.child.kill('SIGINT')
    const codes = await Promise.all(bots.map((b) => b.exited))
    if (bots.length) {
      await finish(codes, true)
      return
    }
    const results = await stopServices()
    for (const r of results) say(`${r.name} exited with ${r.code ?? r.signal}`)
    const bad = results.filter((r) => r.code !== 0)
    say(bad.length ? `unclean exit: ${bad.map((r) => r.name).join(', ')}` : 'stopped cleanly')
    process.exit(bad.length || gaveUp ? 1 : 0)
  })()
}
process.on('SIGINT', () => requestStop('SIGINT'))
process.on('SIGTERM', () => requestStop('SIGTERM'))

main().catch(async (err) => {
  if (stopping) return // a service exiting because we stop it is not a failure
  process.stderr.write(`[cluster] ${err.stack ?? err}\n`)
  for (const b of bots) b.child.kill('SIGKILL')
  await stopServices().catch(() => {})
  process.exit(1)
})
