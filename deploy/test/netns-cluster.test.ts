// The deploy tool for real, across three simulated nodes: three network
// namespaces (plus one holding the bridge between them), each with its own
// address and install root, reached with the `local` transport inside the
// namespace. The cluster runs under the supervisor (systemd is not PID 1 on
// the test machines) from the very unit files systemd would get.
import { spawn, spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { makeTestPki, type TestPki } from '@tessera/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeBundle } from '../src/bundle/index.js'
import type { StatusRow } from '../src/commands/index.js'

const repo = fileURLToPath(new URL('../../', import.meta.url))
// The built tool (the pipeline's build stage runs first): starting the
// TypeScript sources through tsx for each of the many calls would dominate the
// test's time. The nodes run their release's built deploy through bin/deploy.
const deployCli = path.join(repo, 'deploy/dist/cli.js')
const isRoot = process.getuid?.() === 0
const hasIp = spawnSync('sh', ['-c', 'command -v ip']).status === 0
// In CI (CI=true) a machine that cannot run this is a failure, not a skip.
const run = (isRoot && hasIp) || process.env.CI === 'true'

const tag = `t${process.pid % 100_000}`
const subnet = `10.${200 + (process.pid % 50)}.${(process.pid >> 6) % 250}`
const NODES = ['a', 'b', 'c'] as const
const ns = (n: string) => `${tag}-${n}`
const addr = (i: number) => `${subnet}.${i + 1}`
const SECRET = 'netns-test-cluster-secret-0123456789'
const ADMIN_TOKEN = 'netns-test-admin-token-0123456789'
const botsCli = path.join(repo, 'tools/bots/dist/cli.js')

let tmp: string
let topologyFile: string
let bundleOne: string
let bundleTwo: string
let mariadbDir: string
/** The test's CA: each node's certificate names the node's address; clients trust the CA. */
let pki: TestPki

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

function deploy(...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [deployCli, ...args], {
    cwd: repo,
    env: { ...process.env, TSR_TEST_SECRET: SECRET, TSR_TEST_ADMIN: ADMIN_TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c
  })
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    out += c
  })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })))
}

async function ok(...args: string[]): Promise<string> {
  const r = await deploy(...args)
  if (r.code !== 0) throw new Error(`deploy ${args.join(' ')} exited ${r.code}:\n${r.out}`)
  return r.out
}

async function statusRows(): Promise<StatusRow[]> {
  return JSON.parse(await ok('status', '--topology', topologyFile, '--json')) as StatusRow[]
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(500)
  }
}

/** Run a node.js script inside node `n`'s namespace; resolves to what it printed. */
function nodeScriptIn(n: string, script: string, env: Record<string, string> = {}): string {
  const r = spawnSync('ip', ['netns', 'exec', ns(n), process.execPath, '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  })
  return `${r.stdout}${r.stderr}`.trim()
}

/** What one GET to `url` gives from inside node a: `status N` or `error CODE`. */
function getFromA(url: string, env: Record<string, string> = {}): string {
  return nodeScriptIn(
    'a',
    `const u = new URL(${JSON.stringify(url)})
const req = require(u.protocol === 'https:' ? 'node:https' : 'node:http').get(u, { timeout: 10000 }, (res) => {
  console.log('status ' + res.statusCode); res.resume()
})
req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })))
req.on('error', (e) => console.log('error ' + (e.code ?? e.message)))`,
    env,
  )
}

/** Bots on node a (beside login), trusting the test CA (NODE_EXTRA_CA_CERTS: the bots' https, tls:// and wss:// all use it). */
function startBots(args: string[]) {
  const bots = spawn('ip', ['netns', 'exec', ns('a'), process.execPath, botsCli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: pki.caFile },
  })
  let out = ''
  bots.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c
  })
  bots.stderr.setEncoding('utf8').on('data', (c: string) => {
    out += c
  })
  const done = new Promise<number | null>((resolve) => bots.on('close', (code) => resolve(code)))
  return { bots, done, out: () => out }
}

/** Every runner and service process left behind by a failed test, by the pids in the run dirs. */
function killLeftovers(): void {
  for (const n of NODES) {
    const runDir = path.join(tmp, 'nodes', n, 'run')
    let files: string[] = []
    try {
      files = readdirSync(runDir).filter((f) => f.endsWith('.json'))
    } catch {}
    for (const f of files) {
      const s = JSON.parse(readFileSync(path.join(runDir, f), 'utf8')) as { runnerPid: number; pid: number }
      for (const pid of [s.pid, s.runnerPid])
        try {
          if (pid) process.kill(pid, 'SIGKILL')
        } catch {}
    }
  }
}

/** Run `fn`; on failure, add what the bots printed to the error. */
async function phase(fn: () => Promise<void>, output: () => string): Promise<void> {
  try {
    await fn()
  } catch (err) {
    ;(err as Error).message += `\n--- bots output ---\n${output().slice(-4000)}`
    throw err
  }
}

describe.runIf(run)('deploy across three network namespaces', () => {
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'deploy-netns-'))
    // The bridge lives in its own namespace: nothing touches the host's network.
    sh('ip', ['netns', 'add', ns('br')])
    sh('ip', ['-n', ns('br'), 'link', 'add', 'br0', 'type', 'bridge'])
    sh('ip', ['-n', ns('br'), 'link', 'set', 'br0', 'up'])
    NODES.forEach((n, i) => {
      sh('ip', ['netns', 'add', ns(n)])
      sh('ip', [
        'link',
        'add',
        `${tag}${n}0`,
        'netns',
        ns(n),
        'type',
        'veth',
        'peer',
        'name',
        `${tag}${n}1`,
        'netns',
        ns('br'),
      ])
      sh('ip', ['-n', ns(n), 'link', 'set', 'lo', 'up'])
      sh('ip', ['-n', ns(n), 'link', 'set', `${tag}${n}0`, 'up'])
      sh('ip', ['-n', ns(n), 'addr', 'add', `${addr(i)}/24`, 'dev', `${tag}${n}0`])
      sh('ip', ['-n', ns('br'), 'link', 'set', `${tag}${n}1`, 'master', 'br0', 'up'])
    })
    // The database node's MariaDB, inside its namespace.
    mariadbDir = path.join(tmp, 'mariadb')
    const url = sh('ip', [
      'netns',
      'exec',
      ns('a'),
      'env',
      // Logic on the other nodes keeps its players in this server: open it to the test subnet.
      'MARIADB_BIND=0.0.0.0', // only this namespace's addresses exist here
      `MARIADB_REMOTE_HOST=${subnet}.%`,
      'bash',
      path.join(repo, 'scripts/mariadb/mariadb.sh'),
      'start',
      mariadbDir,
      '0',
    ])
      .trim()
      .split('\n')
      .at(-1)!
    const port = Number(new URL(url).port)

    const bundles = path.join(tmp, 'bundles')
    bundleOne = path.join(bundles, `${makeBundle({ repo, outDir: bundles, label: 'one' }).name}.json`)
    bundleTwo = path.join(bundles, `${makeBundle({ repo, outDir: bundles, label: 'two' }).name}.json`)

    // A certificate per node, for its address (players reach each node by address).
    mkdirSync(path.join(tmp, 'pki'))
    pki = makeTestPki(path.join(tmp, 'pki'))
    const certs = NODES.map((n, i) => {
      const leaf = pki.issue(`node-${n}`, [addr(i)])
      chmodSync(leaf.key, 0o600)
      return { cert: leaf.cert, key: leaf.key }
    })

    topologyFile = path.join(tmp, 'topology.json')
    const topology = {
      cluster: 'tsr',
      root: path.join(tmp, 'nodes/default'),
      user: 'root',
      nodeBin: process.execPath,
      manager: 'supervisor',
      reset: { hour: 5, timeZone: 'Asia/Shanghai' },
      mariadb: { node: 'a', port, user: 'root', backupDatabases: ['tessera_center'] },
      secrets: { cluster: { env: 'TSR_TEST_SECRET' }, admin: { env: 'TSR_TEST_ADMIN' } },
      nodes: NODES.map((n, i) => ({
        name: n,
        address: addr(i),
        root: path.join(tmp, 'nodes', n),
        transport: { local: true, netns: ns(n) },
        tls: { certs: [certs[i]] },
      })),
      // Node a: center, login, logic and the database; b and c: one gateway each,
      // so cutting c leaves the players somewhere to go.
      services: [
        { kind: 'center', node: 'a', ports: { cluster: 3800, admin: 3809 } },
        // Login's front is https (the node's certificate); nothing in clear on the network.
        { kind: 'login', node: 'a', ports: { cluster: 3700, admin: 3790, https: 3780 } },
        { kind: 'logic', node: 'a', ports: { cluster: 4100, admin: 4190 } },
        ...['b', 'c'].map((node) => ({
          kind: 'gateway',
          node,
          // TLS client ports only: players play over tls:// (and wss://).
          ports: { cluster: 5000, admin: 5090, tls: 6000, wss: 6100 },
          // Clients notice a dead path within seconds (not the default 45 s) and resume elsewhere.
          config: { gateway: { clientHeartbeatMs: 1000, clientIdleTimeoutMs: 4000 } },
        })),
      ],
    }
    mkdirSync(tmp, { recursive: true })
    writeFileSync(topologyFile, JSON.stringify(topology, null, 2))
  }, 120_000)

  afterAll(async () => {
    if (!tmp) return
    await deploy('down', '--topology', topologyFile).catch(() => undefined)
    killLeftovers()
    if (mariadbDir) spawnSync('bash', [path.join(repo, 'scripts/mariadb/mariadb.sh'), 'stop', mariadbDir])
    for (const n of [...NODES, 'br']) spawnSync('ip', ['netns', 'del', ns(n)])
    if (!process.env.KEEP_NETNS_TMP) rmSync(tmp, { recursive: true, force: true })
  }, 60_000)

  it('env-init prepares a node, and a second run changes nothing', async () => {
    const first = await ok('env-init', '--topology', topologyFile, '--node', 'a')
    expect(first).toMatch(/^changed: .*\/nodes\/a\/releases$/m)
    expect(first).toMatch(/^changed: .*\/nodes\/a\/units\/tsr-db-backup\.timer$/m)
    expect(first).toMatch(/^ok: packages rsync tar gzip mariadb-server mariadb-client$/m)
    // Node a's certificate (login's https front) checked on the node.
    expect(first).toMatch(/^ok: certificate .*\/node-a\.pem \(valid until .*\)$/m)
    const second = await ok('env-init', '--topology', topologyFile, '--node', 'a')
    expect(second).toMatch(/^a: 0 change\(s\)$/m)
  }, 60_000)

  it('up refuses a node whose certificate key anyone can read, naming it, before shipping anything', async () => {
    const key = path.join(tmp, 'pki', 'node-b.key')
    chmodSync(key, 0o644)
    try {
      const r = await deploy('up', '--topology', topologyFile, '--bundle', bundleOne)
      expect(r.code, r.out).not.toBe(0)
      expect(r.out).toContain(
        `on node b, 1 certificate file problem(s):\n  nodes[1].tls.certs[0].key: ${key} is readable by everyone (mode 644)`,
      )
    } finally {
      chmodSync(key, 0o600)
    }
    // Nothing shipped: no release on any node yet (nodes b and c have no folders at all).
    const releases = (n: string) => {
      const d = path.join(tmp, 'nodes', n, 'releases')
      return existsSync(d) ? readdirSync(d).filter((f) => f.startsWith('tessera-')) : []
    }
    expect(NODES.flatMap(releases)).toEqual([])
  }, 60_000)

  it('up installs the bundle on every node and starts center, login, logic, then both gateways, each READY', async () => {
    const out = await ok('up', '--topology', topologyFile, '--bundle', bundleOne)
    expect(out.match(/READY$/gm)).toHaveLength(5)
    expect(out.indexOf('tsr-center-1 on a: READY')).toBeLessThan(out.indexOf('tsr-logic-1 on a: READY'))
    expect(out.indexOf('tsr-logic-1 on a: READY')).toBeLessThan(out.indexOf('tsr-gateway-200 on b: READY'))
    const rows = await statusRows()
    expect(rows.map((r) => [r.node, r.service, r.process, r.cluster])).toEqual([
      ['a', 'center#1', 'running', 'READY'],
      ['a', 'login#100', 'running', 'READY'],
      ['a', 'logic#1', 'running', 'READY'],
      ['b', 'gateway#200', 'running', 'READY'],
      ['c', 'gateway#201', 'running', 'READY'],
    ])
    for (const r of rows) {
      expect(r.release).toMatch(/-one$/)
      expect(r.pid).toBeGreaterThan(0)
      expect(r.rssBytes).toBeGreaterThan(0)
    }
    // The services really are in their namespaces: gateway#201's client port is on node c's address.
    const ss = sh('ip', ['netns', 'exec', ns('c'), 'ss', '-ltn'])
    expect(ss).toContain(`${addr(2)}:6000`)
  }, 180_000)

  it("login's front is https only: a request in clear fails, one trusting the test CA is answered", async () => {
    const login = `${addr(0)}:3780`
    // In clear the TLS port answers nothing HTTP: the connection is dropped.
    expect(getFromA(`http://${login}/`)).toMatch(/^error /)
    // Without the CA the certificate is refused; with it, login answers.
    expect(getFromA(`https://${login}/`)).toMatch(/^error (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED)/)
    expect(getFromA(`https://${login}/`, { NODE_EXTRA_CA_CERTS: pki.caFile })).toMatch(/^status \d{3}$/)
    // Two bots log in over https and play a round over wss://.
    const wss = startBots([
      '--login',
      `https://${login}`,
      '--stack',
      'ws',
      '--bots',
      '2',
      '--rounds',
      '1',
      '--idle-ms',
      '500',
      '--duration',
      '60',
      '--view',
      'off',
      '--json',
      path.join(tmp, 'bots-wss.json'),
    ])
    const code = await wss.done
    const r = JSON.parse(readFileSync(path.join(tmp, 'bots-wss.json'), 'utf8')) as {
      totals: { bots: number; played: number; failed: number }
    }
    expect({ code, totals: r.totals }, wss.out()).toMatchObject({
      code: 0,
      totals: { bots: 2, played: 2, failed: 0 },
    })
  }, 120_000)

  it('bots play through; a gateway node whose link is cut drops out, its players go on at the other gateway, and it rejoins', async () => {
    // Bots on node a (beside login), logging in over https and playing over tls:// through both gateways.
    const report = path.join(tmp, 'bots.json')
    const {
      bots,
      done: botsDone,
      out: botsOutput,
    } = startBots([
      '--login',
      `https://${addr(0)}:3780`,
      '--stack',
      'tcp',
      '--bots',
      '6',
      '--ramp-per-s',
      '3',
      '--rounds',
      '0',
      '--idle-ms',
      '2000',
      '--duration',
      '200',
      '--view',
      'plain',
      '--json',
      report,
      '--max-error-rate',
      '0',
    ])
    try {
      await phase(
        () => botsPhase(),
        () => botsOutput(),
      )
    } finally {
      sh('ip', ['-n', ns('br'), 'link', 'set', `${tag}c1`, 'up'])
      if (bots.exitCode === null) bots.kill('SIGKILL')
    }
    async function botsPhase() {
      const load = (rows: StatusRow[], service: string) => rows.find((r) => r.service === service)?.load ?? 0
      // Players on gateway#201 (node c) when its link goes.
      // (Loads are sampled: sessions come and go with the rounds, so allow time to catch one.)
      await until(
        'players on gateway#201',
        async () => (load(await statusRows(), 'gateway#201') > 0 ? true : undefined),
        90_000,
      )
      sh('ip', ['-n', ns('br'), 'link', 'set', `${tag}c1`, 'down'])
      const cut = await until('the center to drop gateway#201', async () => {
        const rows = await statusRows()
        return rows.find((r) => r.service === 'gateway#201' && r.cluster !== 'READY') ? rows : undefined
      })
      // The process itself keeps running on its node; the other services are untouched.
      expect(cut.map((r) => [r.service, r.process, r.cluster])).toEqual([
        ['center#1', 'running', 'READY'],
        ['login#100', 'running', 'READY'],
        ['logic#1', 'running', 'READY'],
        ['gateway#200', 'running', 'READY'],
        ['gateway#201', 'running', 'absent'],
      ])
      // The players cut off at c resume (or log in again) at gateway#200 and play on.
      await until('players on gateway#200 while c is cut', async () =>
        load(await statusRows(), 'gateway#200') > 0 ? true : undefined,
      )
      await sleep(5000)
      sh('ip', ['-n', ns('br'), 'link', 'set', `${tag}c1`, 'up'])
      await until(
        'gateway#201 back READY',
        async () => {
          const rows = await statusRows()
          return rows.every((r) => r.cluster === 'READY') ? rows : undefined
        },
        60_000,
      )
      // Back in the cluster, it gets players again.
      await until(
        'players on gateway#201 again',
        async () => (load(await statusRows(), 'gateway#201') > 0 ? true : undefined),
        90_000,
      )
      const code = await botsDone
      const r = JSON.parse(readFileSync(report, 'utf8')) as {
        totals: { bots: number; played: number; failed: number; rounds: number }
        groups: Record<string, { counts: Record<string, number>; recovered: Record<string, number> }>
      }
      // Every bot played to the end: none failed across the cut.
      expect({ code, totals: r.totals }, botsOutput()).toMatchObject({
        code: 0,
        totals: { bots: 6, played: 6, failed: 0 },
      })
      expect(r.totals.rounds).toBeGreaterThan(6)
    }
  }, 360_000)

  it('rollout moves every node to a new release one process at a time; rollback returns', async () => {
    const before = await statusRows()
    const out = await ok(
      'rollout',
      '--topology',
      topologyFile,
      '--bundle',
      bundleTwo,
      '--drain-timeout',
      '15000',
    )
    expect(out.match(/restarted, READY$/gm)).toHaveLength(5)
    // Each gateway is drained to the other before its restart, and undrained after it.
    for (const [unit, node] of [
      ['tsr-gateway-200', 'b'],
      ['tsr-gateway-201', 'c'],
    ]) {
      const at = (line: string) => out.indexOf(`${unit} on ${node}: ${line}`)
      expect(at('drained ('), out).toBeGreaterThanOrEqual(0)
      expect(at('drained (')).toBeLessThan(at('undrained'))
      expect(at('undrained')).toBeLessThan(at('restarted, READY'))
    }
    const after = await statusRows()
    for (const [i, r] of after.entries()) {
      expect(r.release).toMatch(/-two$/)
      expect(r.cluster).toBe('READY')
      expect(r.pid).not.toBe(before[i]!.pid)
    }
    const back = await ok('rollback', '--topology', topologyFile)
    expect(back).toMatch(/^\[deploy\] a: back on tessera-.*-one$/m)
    const rows = await statusRows()
    expect(rows.every((r) => r.release?.endsWith('-one') && r.cluster === 'READY')).toBe(true)
  }, 240_000)

  it('down stops every process', async () => {
    const out = await ok('down', '--topology', topologyFile)
    expect(out.indexOf('tsr-gateway-201 on c: stopped')).toBeLessThan(
      out.indexOf('tsr-center-1 on a: stopped'),
    )
    const rows = await statusRows()
    expect(rows.map((r) => r.process)).toEqual(['stopped', 'stopped', 'stopped', 'stopped', 'stopped'])
  }, 60_000)
})
