// A login node for the end-to-end suites: a real center (in this process),
// gateways that are real cluster members (kind "gateway", they redeem
// tokens and report sessions as a gateway would), and `services/login` as a
// child process (its node:cluster primary and workers) on the test MariaDB,
// its client ports on 127.0.0.1 with port 0.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ClusterMember, merge, ServiceStates } from '@tessera/kernel'
import {
  clusterWire,
  HandoffRedeem,
  HandoffRedeemOk,
  SessionKick,
  SessionReport,
  SessionReportOk,
} from '@tessera/protocol'
import { serverUrl, sql, testDatabase } from '@tessera/storage/testing'
// biome-ignore lint/style/noRestrictedImports: the center's own test harness (services have no library entry)
import type { CenterHandle as CenterNode } from '../../../services/center/src/fixtures/harness.js'
// biome-ignore lint/style/noRestrictedImports: the center's own test harness
import { dropDatabases, SECRET, startCenter } from '../../../services/center/src/fixtures/harness.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const MAIN = path.join(ROOT, 'services/login/src/main.ts')

export interface TestGateway {
  member: ClusterMember
  serviceId: number
  kicks: { userId: bigint; loginEpoch: bigint; reason: string }[]
  redeem(token: string): Promise<HandoffRedeemOk>
  /** Tell login these sessions ended. */
  offline(sessions: { userId: bigint; loginEpoch: bigint }[]): Promise<number>
}

export interface LoginNode {
  center: CenterNode
  gateways: TestGateway[]
  /** `http://127.0.0.1:PORT` of the JSON API (and WebSocket upgrades at /ws). */
  http: string
  /** `tcp://127.0.0.1:PORT` of the binary protocol. */
  tcp: string
  /** Login's database on the test server. */
  database: string
  /** pids of the login workers, as they logged their ports. */
  workers: number[]
  /** Admin endpoints (`http://127.0.0.1:PORT`) of the workers, when `admin.listen` was set. */
  admin: string[]
  child: ChildProcess
  output(): string
  stop(): Promise<void>
}

export interface LoginNodeOptions {
  processes?: number
  gateways?: number
  /** Extra `login` config (deep-merged over the test defaults). */
  login?: Record<string, unknown>
  /** Extra top-level config (deep-merged: `admin`, `log`...). */
  config?: Record<string, unknown>
}

/** Start a center, gateways and a login node; `stop()` undoes all of it. */
export async function startLoginNode(o: LoginNodeOptions = {}): Promise<LoginNode> {
  const processes = o.processes ?? 2
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-login-node-'))
  const db = await testDatabase('login')
  const center = await startCenter()
  const gateways: TestGateway[] = []
  let child: ChildProcess | undefined
  let out = ''
  const cleanup = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r))
      child.kill('SIGTERM')
      await exited
    }
    for (const g of gateways) await g.member.leave().catch(() => {})
    await center.close()
    await dropDatabases()
    await sql(await serverUrl(), `DROP DATABASE IF EXISTS \`${db.name}\``)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < (o.gateways ?? 1); i++) gateways.push(await startGateway(center.address, 7 + i))
    const config = merge(
      {
        app: { node: 'login-node', dataDir: path.join(dir, 'data') },
        log: { level: 'info', pretty: false },
        cluster: { center: center.address, secret: SECRET },
        login: {
          serviceId: 100,
          processes,
          listen: ['http://127.0.0.1:0', 'tcp://127.0.0.1:0'],
          database: { url: await serverUrl(), name: db.name },
          // Cheap hashes: these suites test behaviour; the bench measures the real cost.
          argon2: { memoryKiB: 1024, timeCost: 1 },
          admission: { updateMs: 100 },
        },
      },
      merge({ login: o.login ?? {} }, o.config ?? {}),
    )
    const file = path.join(dir, 'login.json')
    writeFileSync(file, JSON.stringify(config))
    child = spawn(
      process.execPath,
      ['--conditions=tessera-source', '--import', 'tsx', MAIN, '--config', file],
      {
        cwd: ROOT,
        // The config file is the whole config: TESSERA_* variables of this
        // process (TESSERA_BENCH_SMOKE...) would be read as config keys.
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_'))),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const c = child
    const fronts: { pid: number; listen: string[] }[] = []
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`login did not start:\n${out.slice(-4000)}`)), 60_000)
      const onLine = (line: string) => {
        if (!line.includes('login: front listening')) return
        const j = JSON.parse(line) as { pid: number; listen: string[] }
        fronts.push(j)
        if (fronts.length === processes) {
          clearTimeout(timer)
          resolve()
        }
      }
      let buf = ''
      const feed = (chunk: string) => {
        out += chunk
        buf += chunk
        let i = buf.indexOf('\n')
        while (i >= 0) {
          onLine(buf.slice(0, i))
          buf = buf.slice(i + 1)
          i = buf.indexOf('\n')
        }
      }
      c.stdout!.setEncoding('utf8').on('data', feed)
      c.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s))
      c.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`login exited with ${code}:\n${out.slice(-4000)}`))
      })
    })
    const [http, tcp] = fronts[0]!.listen as [string, string]
    // Every worker shares the same ports (node:cluster).
    for (const f of fronts) if (f.listen[0] !== http) throw new Error(`workers on different ports: ${out}`)
    return {
      center,
      gateways,
      http,
      tcp,
      database: db.name,
      workers: fronts.map((f) => f.pid),
      admin: out
        .split('\n')
        .filter((l) => l.includes('admin endpoint listening'))
        .map((l) => (JSON.parse(l) as { address: string }).address),
      child: c,
      output: () => out,
      stop: cleanup,
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}

async function startGateway(centerAddress: string, serviceId: number): Promise<TestGateway> {
  const member = await ClusterMember.join({
    identity: { kind: 'gateway', serviceId, node: `gw${serviceId}` },
    secret: SECRET,
    wire: clusterWire,
    listen: 'tcp://127.0.0.1:0',
    center: centerAddress,
    advertise: [`tcp://127.0.0.1:${41000 + serviceId}`, `ws://127.0.0.1:${42000 + serviceId}/`],
  })
  await member.setState(ServiceStates.READY)
  const kicks: TestGateway['kicks'] = []
  member.proxy.on(SessionKick, (m) => void kicks.push(m))
  return {
    member,
    serviceId,
    kicks,
    redeem: (token) =>
      member.proxy.request(
        { kind: 'login' },
        HandoffRedeem,
        HandoffRedeem.create({ token, gatewayServiceId: serviceId }),
        HandoffRedeemOk,
      ),
    offline: async (sessions) =>
      (
        await member.proxy.request(
          { kind: 'login' },
          SessionReport,
          SessionReport.create({ gatewayServiceId: serviceId, offline: sessions }),
          SessionReportOk,
        )
      ).online,
  }
}

/**
 * POST a JSON body to the login API from a chosen local address (127.0.0.0/8
 * all reach loopback); over TLS when `base` is `https:`, trusting `ca`.
 */
export async function post(
  base: string,
  route: string,
  body: unknown,
  from = '127.0.0.1',
  extraHeaders: Record<string, string> = {},
  ca?: string | Buffer,
): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string } } }> {
  const u = new URL(route, base)
  const { request } = u.protocol === 'https:' ? await import('node:https') : await import('node:http')
  const text = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        localAddress: from,
        agent: false,
        ...(ca === undefined ? {} : { ca }),
        headers: {
          ...extraHeaders,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        },
      },
      (res) => {
        let data = ''
        res.setEncoding('utf8').on('data', (c: string) => (data += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }))
      },
    )
    req.on('error', reject)
    // A lost connection fails the test with a reason instead of hanging it.
    req.setTimeout(30_000, () => req.destroy(new Error(`POST ${route}: no answer in 30 s`)))
    req.end(text)
  })
}
