#!/usr/bin/env node
// Starts a local Tessera cluster: a private MariaDB instance, the center,
// login (2 processes on one port), two logic services and two gateways; then
// bots (tools/bots) register, log in, hand off to a gateway and play through
// logic over TCP and WebSocket, checking every answer. The sample icon set
// (tools/icons/sample) is loaded into the catalogue database with
// `tessera-icons apply` first, and every player gets it at its first
// connect. Shows the cluster as the center sees it, then runs until Ctrl-C.
//
//   node scripts/local-cluster.mjs            (after pnpm build; scripts/run.sh does both)
//   node scripts/local-cluster.mjs --source   (run the TypeScript sources through tsx)
//   node scripts/local-cluster.mjs --smoke    (start, bots play, stop cleanly, exit 0)
//   node scripts/local-cluster.mjs --bots 50  (bots per stack; default 10)
//
// MYSQL_URL points it at an existing server instead of a private instance.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const source = args.includes('--source')
const smoke = args.includes('--smoke')
const dirArg = args.indexOf('--dir')
const botsArg = args.indexOf('--bots')
const botsPerStack = botsArg >= 0 ? Number(args[botsArg + 1]) : 10
// The center's database (leases, ownership); tests give each run its own.
const centerDbArg = args.indexOf('--center-database')
const centerDatabase = centerDbArg >= 0 ? args[centerDbArg + 1] : undefined
const stateDir = path.resolve(dirArg >= 0 ? args[dirArg + 1] : path.join(root, '.tmp/local-cluster'))
const children = []
let mariadbDir

function say(msg) {
  process.stdout.write(`\x1b[1;34m[cluster]\x1b[0m ${msg}\n`)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** Compact one JSON log line for a terminal: time, process, message and a few fields. */
function show(name, line) {
  let o
  try {
    o = JSON.parse(line)
  } catch {
    process.stdout.write(`[${name}] ${line}\n`)
    return
  }
  const { level, time, msg, pid, app, node, service, serviceId, hostname, ...rest } = o
  const lvl = level >= 50 ? '\x1b[31mERROR\x1b[0m ' : level >= 40 ? '\x1b[33mWARN\x1b[0m ' : ''
  const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest).slice(0, 240)}` : ''
  process.stdout.write(`${String(time).slice(11, 23)} [${name}] ${lvl}${msg}${extra}\n`)
}

function start(name, service, extraArgs) {
  const entry = source ? `services/${service}/src/main.ts` : `services/${service}/dist/main.js`
  const nodeArgs = source ? ['--conditions=tessera-source', '--import', 'tsx', entry] : [entry]
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--config', `services/${service}/config/local.json`, '--log.pretty', 'false', ...extraArgs],
    // Own process group: Ctrl-C in the terminal reaches only this script, which
    // stops each service once with SIGTERM (a service that saw the terminal's
    // SIGINT too would take our SIGTERM as a second signal and skip its drain).
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  )
  const proc = {
    name,
    child,
    lines: [],
    exited: new Promise((r) => child.on('exit', (code, signal) => r({ code, signal }))),
  }
  let buf = ''
  child.stdout.setEncoding('utf8').on('data', (c) => {
    buf += c
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      proc.lines.push(line)
      show(name, line)
    }
  })
  child.stderr.setEncoding('utf8').on('data', (c) => process.stderr.write(`[${name}] ${c}`))
  children.push(proc)
  return proc
}

async function until(what, fn, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn().catch(() => undefined)
    if (v) return v
    for (const c of children)
      if (c.child.exitCode !== null) throw new Error(`${c.name} exited while waiting for ${what}`)
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function getJson(url) {
  const res = await fetch(url)
  if (!res.ok) return undefined
  return res.json()
}

async function stopAll() {
  for (const c of [...children].reverse()) if (c.child.exitCode === null) c.child.kill('SIGTERM')
  const results = await Promise.all(children.map((c) => c.exited.then((r) => ({ name: c.name, ...r }))))
  if (mariadbDir)
    spawnSync('bash', ['scripts/mariadb/mariadb.sh', 'stop', mariadbDir], { cwd: root, stdio: 'inherit' })
  return results
}

/** `tessera-icons apply`: the sample icon set into the catalogue database logic reads (logic.catalogue.database). */
function applyIcons(mysqlUrl, database) {
  const entry = source ? 'tools/icons/src/cli.ts' : 'tools/icons/dist/cli.js'
  const nodeArgs = source ? ['--conditions=tessera-source', '--import', 'tsx', entry] : [entry]
  const r = spawnSync(process.execPath, [...nodeArgs, 'apply', '--url', mysqlUrl, '--database', database], {
    cwd: root,
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`tessera-icons apply failed: ${r.stderr}`)
  return r.stdout.trim()
}

/** Run tools/bots as its own process (a game client is not part of the cluster); resolves to its exit code. */
function runBots(botArgs) {
  const entry = source ? 'tools/bots/src/cli.ts' : 'tools/bots/dist/cli.js'
  const nodeArgs = source ? ['--conditions=tessera-source', '--import', 'tsx', entry] : [entry]
  const child = spawn(process.execPath, [...nodeArgs, ...botArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.setEncoding('utf8').on('data', (c) => {
    for (const line of c.split('\n')) if (line) process.stdout.write(`[bots] ${line}\n`)
  })
  child.stderr.setEncoding('utf8').on('data', (c) => process.stderr.write(`[bots] ${c}`))
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)))
}

async function main() {
  mkdirSync(stateDir, { recursive: true })
  let mysqlUrl = process.env.MYSQL_URL
  if (!mysqlUrl) {
    mariadbDir = path.join(stateDir, 'mariadb')
    say(`starting a private MariaDB in ${mariadbDir}`)
    const r = spawnSync('bash', ['scripts/mariadb/mariadb.sh', 'start', mariadbDir, '0'], {
      cwd: root,
      encoding: 'utf8',
    })
    if (r.status !== 0) throw new Error(`MariaDB did not start: ${r.stderr}`)
    mysqlUrl = r.stdout.trim().split('\n').at(-1)
  }
  say(`MySQL: ${mysqlUrl}`)
  const catalogueHash = applyIcons(mysqlUrl, 'catalogue')
  say(
    `icon catalogue: tools/icons/sample applied to database catalogue (tessera-icons apply), hash ${catalogueHash}`,
  )
  const secret = randomBytes(24).toString('hex')
  const [centerPort, adminPort] = [await freePort(), await freePort()]
  const centerAddr = `127.0.0.1:${centerPort}`
  const centerAdmin = `http://127.0.0.1:${adminPort}`

  start('center', 'center', [
    '--center.listen',
    `tcp://${centerAddr}`,
    '--center.admin',
    centerAdmin,
    '--center.mysqlUrl',
    mysqlUrl,
    '--center.secret',
    secret,
    ...(centerDatabase ? ['--center.database', centerDatabase] : []),
    '--app.dataDir',
    path.join(stateDir, 'center'),
  ])
  await until('the center', () => fetch(`${centerAdmin}/healthz`).then((r) => r.ok))
  say(`center up: cluster links on ${centerAddr}, admin on ${centerAdmin}`)

  for (const [i, node] of [
    [1, 'node-a'],
    [2, 'node-b'],
  ]) {
    start(`logic#${i}`, 'logic', [
      '--cluster.center',
      centerAddr,
      '--cluster.secret',
      secret,
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
      path.join(stateDir, `logic-${i}`),
      '--admin.listen',
      'http://127.0.0.1:0',
    ])
  }
  const view = await until('both logic services READY', async () => {
    const v = await getJson(`${centerAdmin}/admin/cluster`)
    const ready = (v?.services ?? []).filter((s) => s.kind === 'logic' && s.state === 3)
    return ready.length === 2 ? v : undefined
  })
  say('cluster as the center sees it (GET /admin/cluster):')
  for (const s of view.services) {
    const state = ['UNSPECIFIED', 'PREPARING', 'STARTING', 'READY', 'DRAINING'][s.state] ?? s.state
    say(
      `  ${s.kind}#${s.serviceId} on ${s.node}: machine id ${s.machineId}, ${state}, links ${s.addresses.join(' ')}`,
    )
  }
  for (const m of view.machineIds ?? []) say(`  machine id ${m.machineId} leased to ${m.node}/${m.kind}`)

  const answered = (c) => c.lines.some((l) => l.includes('peer-ping: answered'))
  await until('messages between the logic services', async () =>
    children.filter((c) => c.name.startsWith('logic')).every(answered),
  )
  say('logic#1 and logic#2 are exchanging messages through the ServiceProxy')
  const logic1 = children.find((c) => c.name === 'logic#1')
  const adminLine = logic1.lines.map((l) => JSON.parse(l)).find((o) => o.msg === 'admin endpoint listening')
  const metrics = await (await fetch(`${adminLine.address}/metrics`)).text()
  const pings = metrics
    .split('\n')
    .find((l) => l.startsWith('logic_peer_pings_total{') && l.includes('result="ok"'))
  const sent = metrics
    .split('\n')
    .find((l) => l.startsWith('tessera_cluster_messages{') && l.includes('counter="requestsSent"'))
  const sessions = metrics
    .split('\n')
    .find((l) => l.startsWith('tessera_net_sessions{') && l.includes('type="service"'))
  if (!pings || !sent || !sessions)
    throw new Error('logic#1 metrics lack the cluster session and message figures')
  say(
    `logic#1 metrics (${adminLine.address}/metrics): ${pings.replace(/\{.*\}/, '')}, ${sent.replace(/\{.*\}/, '{requestsSent}')}, ${sessions.replace(/\{.*\}/, '{service sessions}')}`,
  )

  // Login (two processes on one HTTP port) and two gateways, each with its own tcp and ws ports.
  const loginHttp = `http://127.0.0.1:${await freePort()}`
  start('login', 'login', [
    '--cluster.center',
    centerAddr,
    '--cluster.secret',
    secret,
    '--app.machineId',
    '1',
    '--app.dataDir',
    path.join(stateDir, 'login'),
    '--login.listen',
    JSON.stringify([loginHttp]),
    '--login.processes',
    '2',
    '--login.database.url',
    mysqlUrl,
    '--login.database.name',
    'login',
    // Every bot registers from 127.0.0.1: lift the per-address registration
    // limit (default 20 an hour) for this local run only.
    '--login.limits.register.limit',
    '1000000',
  ])
  const gateways = []
  for (const id of [200, 201]) {
    const tcp = `tcp://127.0.0.1:${await freePort()}`
    const ws = `ws://127.0.0.1:${await freePort()}`
    gateways.push({ id, tcp, ws })
    start(`gateway#${id}`, 'gateway', [
      '--cluster.center',
      centerAddr,
      '--cluster.secret',
      secret,
      '--gateway.serviceId',
      String(id),
      '--gateway.workers',
      '0',
      '--gateway.listen',
      JSON.stringify([tcp, ws]),
      '--gateway.logicSlots',
      JSON.stringify([1, 2]),
      '--app.node',
      id === 200 ? 'node-a' : 'node-b',
      '--app.dataDir',
      path.join(stateDir, `gateway-${id}`),
    ])
  }
  await until('login and both gateways READY', async () => {
    const v = await getJson(`${centerAdmin}/admin/cluster`)
    const ready = (v?.services ?? []).filter((s) => s.state === 3)
    return ready.filter((s) => s.kind === 'gateway').length === 2 && ready.some((s) => s.kind === 'login')
  })
  await until('the login HTTP API', () =>
    fetch(`${loginHttp}/v1/login`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    }).then(() => true),
  )
  say(
    `login HTTP API on ${loginHttp}; gateways ${gateways.map((g) => `#${g.id} ${g.tcp} ${g.ws}`).join(', ')}`,
  )

  for (const stack of ['tcp', 'ws']) {
    say(
      `${botsPerStack} bots play over ${stack}: register, log in, hand off to a gateway, profile, echo, log out, log in again`,
    )
    const code = await runBots([
      '--login',
      loginHttp,
      '--bots',
      String(botsPerStack),
      '--concurrency',
      '5',
      '--stack',
      stack,
      '--duration',
      '180',
    ])
    if (code !== 0) throw new Error(`bots over ${stack} exited with ${code}`)
    say(`bots over ${stack}: every bot played and every answer checked out`)
  }

  // Every bot's player got the catalogue pushed at its first connect.
  let pushes = 0
  for (const c of children.filter((p) => p.name.startsWith('logic#'))) {
    const admin = c.lines.map((l) => JSON.parse(l)).find((o) => o.msg === 'admin endpoint listening')
    const text = await (await fetch(`${admin.address}/metrics`)).text()
    for (const l of text.split('\n'))
      if (l.startsWith('logic_catalogue_deliveries_total{') && l.includes('reason="join"'))
        pushes += Number(l.split(' ').at(-1))
  }
  say(
    `icon catalogue: pushed whole to ${pushes} players at their first connect (logic_catalogue_deliveries_total)`,
  )

  if (smoke) {
    const results = await stopAll()
    const bad = results.filter((r) => r.code !== 0)
    for (const r of results) say(`${r.name} exited with ${r.code ?? r.signal}`)
    if (bad.length) throw new Error(`unclean exit: ${bad.map((r) => r.name).join(', ')}`)
    say('smoke run passed')
    return
  }
  say(
    `running; metrics at ${centerAdmin}/metrics, cluster at ${centerAdmin}/admin/cluster. Ctrl-C stops everything.`,
  )
  await new Promise(() => {}) // until Ctrl-C (requestStop ends the process)
}

let stopping = null
/** Ctrl-C or SIGTERM, at any moment (also during start-up): stop every service once, gracefully. */
function requestStop(sig) {
  if (stopping) {
    say(`${sig}: already stopping; waiting for the services to drain`)
    return
  }
  stopping = (async () => {
    say(`${sig}: stopping; each service drains and flushes`)
    const results = await stopAll()
    for (const r of results) say(`${r.name} exited with ${r.code ?? r.signal}`)
    const bad = results.filter((r) => r.code !== 0)
    if (bad.length) say(`unclean exit: ${bad.map((r) => r.name).join(', ')}`)
    else say('stopped cleanly')
    process.exit(bad.length ? 1 : 0)
  })()
}
process.on('SIGINT', requestStop)
process.on('SIGTERM', requestStop)

main().catch(async (err) => {
  if (stopping) return // a service exiting because we stop it is not a failure
  process.stderr.write(`[cluster] ${err.stack ?? err}\n`)
  await stopAll().catch(() => {})
  process.exit(1)
})
