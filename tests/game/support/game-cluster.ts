// A real game cluster on 127.0.0.1 for the end-to-end suites: the center,
// login, logic and gateway services, each as its own process started from
// its real entry point (services/*/src/main.ts), on the shared test MariaDB.
// Every process is stopped by pid and every database and temp dir removed
// by `stop()`.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { serverUrl, sql } from '@tessera/storage/testing'
import { freePort } from '@tessera/testkit'
// biome-ignore lint/style/noRestrictedImports: the center's own test harness starts it from its entry point (services have no library entry)
import * as center from '../../../services/center/src/fixtures/harness.js'

const { dropDatabases, newDatabase, SECRET, spawnCenter } = center

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The center's admin bearer token in the test cluster. */
export const ADMIN_TOKEN = 'test-admin-token-5e1b7c9d3a'

/** One service process and its JSON log lines. */
export class ServiceProc {
  readonly lines: Record<string, unknown>[] = []
  readonly exited: Promise<number | null>
  private waiters: {
    pred: (l: Record<string, unknown>) => boolean
    resolve(l: Record<string, unknown>): void
  }[] = []
  stderr = ''

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)))
    let buf = ''
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      buf += c
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const text = buf.slice(0, i)
        buf = buf.slice(i + 1)
        let line: Record<string, unknown>
        try {
          line = JSON.parse(text) as Record<string, unknown>
        } catch {
          continue
        }
        this.lines.push(line)
        if (process.env.GAME_TEST_LOG) process.stdout.write(`[${name}] ${text}\n`)
        this.waiters = this.waiters.filter((w) => {
          if (!w.pred(line)) return true
          w.resolve(line)
          return false
        })
      }
    })
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      this.stderr += c
      if (process.env.GAME_TEST_LOG) process.stderr.write(`[${name}] ${c}`)
    })
  }

  get pid(): number {
    return this.child.pid!
  }

  /** The first log line (past or future) matching `pred`. */
  waitFor(
    pred: (l: Record<string, unknown>) => boolean,
    ms = 60_000,
    what = 'log line',
  ): Promise<Record<string, unknown>> {
    const have = this.lines.find(pred)
    if (have) return Promise.resolve(have)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`${this.name}: no ${what} within ${ms} ms; stderr: ${this.stderr.slice(-2000)}`)),
        ms,
      )
      const w = {
        pred,
        resolve: (l: Record<string, unknown>) => {
          clearTimeout(timer)
          resolve(l)
        },
      }
      this.waiters.push(w)
      void this.exited.then((code) => {
        if (!this.waiters.includes(w)) return
        clearTimeout(timer)
        reject(new Error(`${this.name} exited (${code}) before ${what}: ${this.stderr.slice(-2000)}`))
      })
    })
  }

  /** kill -9. */
  async kill9(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
    await this.exited
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGTERM')
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
    await this.exited
    clearTimeout(t)
  }
}

function spawnService(
  name: string,
  service: string,
  args: string[],
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): ServiceProc {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      '--conditions=tessera-source',
      '--import',
      'tsx',
      path.join(ROOT, `services/${service}/src/main.ts`),
      '--log.pretty',
      'false',
      '--log.level',
      process.env.GAME_TEST_LOG ? 'debug' : 'info',
      ...args,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, TESSERA_CLUSTER__SECRET: SECRET, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  return new ServiceProc(name, child)
}

export interface GameClusterOptions {
  /** Logic service ids (each its own process and database). Default [1]. */
  logics?: number[]
  /** Gateway processes (service ids). Default [201]. */
  gateways?: number[]
  /** Extra arguments for every logic process. */
  logicArgs?: string[]
  /** Storage flush interval of the logic processes. Default 200 ms. */
  flushIntervalMs?: number
  gatewayArgs?: string[]
  loginArgs?: string[]
  /** Login worker processes (`login.processes`, node:cluster). Default 1. */
  loginProcesses?: number
  /** Extra node flags for the login, logic and gateway processes (a bench's --cpu-prof). Default none. */
  serviceNodeArgs?: string[]
  /** Gateway client ports. Default tcp and ws on 127.0.0.1, port 0. */
  gatewayListen?: string[]
  /** Login client ports. Default one http port. */
  loginListen?: string[]
  /** Give login, logic and gateway processes an admin endpoint (admin.listen, any port). Default false. */
  serviceAdmin?: boolean
  /** More environment for the center (e.g. TESSERA_CENTER__UI__OPERATORS_FILE). */
  centerEnv?: Record<string, string>
  /**
   * node:cluster workers per gateway process (`gateway.workers`); 0 = the
   * process serves its ports itself. Worker i is service id + i.
   */
  gatewayWorkers?: number
  /**
   * The center keeps the shard table (center.shards, seeded from the
   * gateways' 4096 shards over `logics`), so shards can move to an added
   * logic ({@link GameCluster.addLogic}). Default false.
   */
  shardTable?: boolean
  /**
   * The center's heartbeat interval and timeout. Default the harness's
   * 100 / 600 ms (tests see a hung service dropped quickly). Load runs (the
   * bots bench, hold-max) pass the production defaults, {@link PRODUCTION_HEARTBEAT}:
   * on a saturated box a 600 ms stall of any process is routine, and a
   * dropped logic ends every session bound to it (docs/tools.md, holds).
   */
  centerHeartbeat?: { ms: number; timeoutMs: number }
}

/** center.heartbeatMs / heartbeatTimeoutMs as deployed (services/center/src/config.ts). */
export const PRODUCTION_HEARTBEAT = { ms: 1000, timeoutMs: 5000 } as const

export interface GatewayAddr {
  serviceId: number
  proc: ServiceProc
  tcp: { host: string; port: number }
  ws: string
  /** Every client address the gateway opened (TLS ones included). */
  addresses: string[]
}

/** The running cluster. */
export class GameCluster {
  center!: ServiceProc
  centerAddress = ''
  /** The center's admin endpoint, e.g. http://127.0.0.1:40125 (operator token {@link ADMIN_TOKEN}). */
  centerAdmin = ''
  login!: ServiceProc
  /** Login's HTTP JSON API, e.g. http://127.0.0.1:40123 */
  loginHttp = ''
  readonly logics = new Map<number, ServiceProc>()
  readonly gateways = new Map<number, GatewayAddr>()
  private readonly gatewayProcs: ServiceProc[] = []
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-game-'))
  readonly loginDb = `login_t_${process.pid}_${Date.now() % 100000}`
  /** The icon catalogue database every logic reads (logic.catalogue.database); empty until {@link applyIcons}. */
  readonly catalogueDb = `catalogue_t_${process.pid}_${Date.now() % 100000}`
  /** Machine ids of the logic databases (logic_<id>), unique per run. */
  readonly machineIds = new Map<number, number>()
  private mysqlUrl = ''
  /** The center's database (ownership, shard table). */
  centerDb = ''
  private readonly o: Required<GameClusterOptions>

  constructor(o: GameClusterOptions = {}) {
    this.o = {
      logics: o.logics ?? [1],
      gateways: o.gateways ?? [201],
      logicArgs: o.logicArgs ?? [],
      flushIntervalMs: o.flushIntervalMs ?? 200,
      gatewayArgs: o.gatewayArgs ?? [],
      loginArgs: o.loginArgs ?? [],
      loginProcesses: o.loginProcesses ?? 1,
      serviceNodeArgs: o.serviceNodeArgs ?? [],
      gatewayListen: o.gatewayListen ?? ['tcp://127.0.0.1:0', 'ws://127.0.0.1:0'],
      loginListen: o.loginListen ?? ['http://127.0.0.1:0'],
      serviceAdmin: o.serviceAdmin ?? false,
      centerEnv: o.centerEnv ?? {},
      gatewayWorkers: o.gatewayWorkers ?? 0,
      shardTable: o.shardTable ?? false,
      centerHeartbeat: o.centerHeartbeat ?? { ms: 100, timeoutMs: 600 },
    }
  }

  /** Start every process; if one fails to come up, stop the ones already started before throwing. */
  async start(): Promise<this> {
    try {
      return await this.startAll()
    } catch (err) {
      await this.stop().catch(() => {})
      throw err
    }
  }

  private async startAll(): Promise<this> {
    this.mysqlUrl = await serverUrl()
    for (const id of this.o.logics) this.machineIds.set(id, await this.claimMachineId())
    const port = await freePort()
    this.centerDb = newDatabase()
    const c = await spawnCenter(port, this.centerDb, {
      args: this.o.shardTable
        ? ['--center.shards.count', '4096', '--center.shards.slots', JSON.stringify(this.o.logics)]
        : [],
      env: { TESSERA_CENTER__ADMIN_TOKEN: ADMIN_TOKEN, ...this.o.centerEnv },
      heartbeatMs: this.o.centerHeartbeat.ms,
      heartbeatTimeoutMs: this.o.centerHeartbeat.timeoutMs,
    })
    this.center = new ServiceProc('center', c.child)
    const ready = await c.ready
    this.centerAddress = ready.address
    this.centerAdmin = ready.admin
    this.login = this.spawn('login', 'login', [
      '--cluster.center',
      this.centerAddress,
      '--app.dataDir',
      path.join(this.dir, 'login'),
      '--app.machineId',
      '1',
      '--login.listen',
      JSON.stringify(this.o.loginListen),
      '--login.processes',
      String(this.o.loginProcesses),
      '--login.database.url',
      this.mysqlUrl,
      '--login.database.name',
      this.loginDb,
      // Cheap hashing for tests, unless the caller sets its own (a bench).
      ...(this.o.loginArgs.includes('--login.argon2.memoryKiB')
        ? []
        : ['--login.argon2.memoryKiB', '8192', '--login.argon2.timeCost', '1']),
      ...this.adminArgs(),
      ...this.o.loginArgs,
    ])
    await Promise.all(this.o.logics.map((id) => this.startLogic(id)))
    for (const id of this.o.gateways) await this.startGateway(id)
    await this.login.waitFor((j) => j.msg === 'login#100 ready', 180_000, 'login ready')
    return this
  }

  /**
   * A machine id whose database logic_<id> no other cluster uses: CREATE
   * DATABASE (without IF NOT EXISTS) succeeds for one caller only, so
   * clusters of test files running in parallel never share a database (a
   * range derived from the pid did collide, e.g. for pids 100 apart).
   */
  private async claimMachineId(): Promise<number> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const m = 100 + Math.floor(Math.random() * 900)
      try {
        await sql(this.mysqlUrl, `CREATE DATABASE \`logic_${m}\``)
        return m
      } catch (err) {
        if ((err as { code?: string }).code !== 'ER_DB_CREATE_EXISTS') throw err
      }
    }
    throw new Error('no free logic machine id in 100 attempts')
  }

  /** Start (or restart) logic `id`; `extraArgs` follow the cluster's logicArgs for this start only. */
  async startLogic(id: number, extraArgs: string[] = []): Promise<ServiceProc> {
    const p = this.spawn(`logic#${id}`, 'logic', [
      '--cluster.center',
      this.centerAddress,
      '--logic.serviceId',
      String(id),
      '--logic.peerPingMs',
      '0',
      // The same slot list as the gateways' gateway.logicSlots.
      '--logic.slots',
      JSON.stringify(this.o.logics),
      '--app.node',
      `logic-node-${id}`,
      '--app.machineId',
      String(this.machineIds.get(id)),
      '--app.dataDir',
      path.join(this.dir, `logic-${id}`),
      '--storage.url',
      this.mysqlUrl,
      '--storage.flushIntervalMs',
      String(this.o.flushIntervalMs),
      ...this.adminArgs(),
      '--logic.catalogue.database',
      this.catalogueDb,
      ...this.o.logicArgs,
      ...extraArgs,
    ])
    this.logics.set(id, p)
    await p.waitFor((j) => j.msg === `logic#${id} ready`, 180_000, `logic#${id} ready`)
    return p
  }

  /**
   * Add a logic process to the running cluster (its own new database): it
   * holds no player until shards move to it (POST /admin/shards/move).
   */
  async addLogic(id: number, extraArgs: string[] = []): Promise<ServiceProc> {
    this.machineIds.set(id, await this.claimMachineId())
    return this.startLogic(id, ['--logic.added', 'true', ...extraArgs])
  }

  async startGateway(id: number): Promise<GatewayAddr> {
    const p = this.spawn(`gateway#${id}`, 'gateway', [
      '--cluster.center',
      this.centerAddress,
      '--gateway.serviceId',
      String(id),
      '--gateway.workers',
      String(this.o.gatewayWorkers),
      '--gateway.listen',
      JSON.stringify(this.o.gatewayListen),
      '--gateway.logicSlots',
      JSON.stringify(this.o.logics),
      '--app.node',
      `gateway-node-${id}`,
      '--app.dataDir',
      path.join(this.dir, `gateway-${id}`),
      ...this.adminArgs(),
      ...this.o.gatewayArgs,
    ])
    this.gatewayProcs.push(p)
    const open = await p.waitFor((j) => j.msg === 'client ports open', 180_000, `gateway#${id} ports`)
    // With workers, every worker (service id + i) logs its own ready line.
    for (let i = 0; i < Math.max(1, this.o.gatewayWorkers); i++)
      await p.waitFor((j) => j.msg === `gateway#${id + i} ready`, 180_000, `gateway#${id + i} ready`)
    const addrs = open.addresses as string[]
    const tcp = new URL(addrs.find((a) => a.startsWith('tcp://'))!)
    const g: GatewayAddr = {
      serviceId: id,
      proc: p,
      tcp: { host: tcp.hostname, port: Number(tcp.port) },
      ws: `${addrs.find((a) => a.startsWith('ws://'))!}/`,
      addresses: addrs,
    }
    this.gateways.set(id, g)
    return g
  }

  private spawn(name: string, service: string, args: string[]): ServiceProc {
    return spawnService(name, service, args, {}, this.o.serviceNodeArgs)
  }

  private adminArgs(): string[] {
    return this.o.serviceAdmin ? ['--admin.listen', 'http://127.0.0.1:0'] : []
  }

  /** Login's JSON API base address (read from its log once). */
  async loginUrl(): Promise<string> {
    if (!this.loginHttp) {
      const l = await this.login.waitFor((j) => j.msg === 'login: front listening', 10_000, 'login HTTP port')
      this.loginHttp = (l.listen as string[]).find((a) => a.startsWith('http://'))!
    }
    return this.loginHttp
  }

  /** POST /v1/<op> to login's JSON API. */
  async api<T = Record<string, unknown>>(op: string, body: Record<string, unknown>): Promise<T> {
    const res = await fetch(`${await this.loginUrl()}/v1/${op}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const json = (await res.json()) as T & { error?: { code: string; message: string } }
    if (!res.ok)
      throw Object.assign(new Error(`${op}: ${json.error?.code} ${json.error?.message}`), json.error)
    return json
  }

  /** An operator action: POST a JSON body to the center's admin endpoint (with the admin token unless told). */
  async admin<T = Record<string, unknown>>(
    route: string,
    body: unknown,
    token: string | null = ADMIN_TOKEN,
  ): Promise<{ status: number; json: T }> {
    const res = await fetch(`${this.centerAdmin}${route}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    })
    return { status: res.status, json: (await res.json()) as T }
  }

  /** The gateway service login records a user online at (the one that redeemed the hand-off). */
  async onlineAt(userId: string): Promise<number | undefined> {
    const rows = (await sql(
      this.mysqlUrl,
      `SELECT gateway_service_id FROM \`${this.loginDb}\`.online_sessions WHERE user_id = ?`,
      [userId],
    )) as { gateway_service_id: number }[]
    return rows[0] === undefined ? undefined : Number(rows[0].gateway_service_id)
  }

  /**
   * Load an icon folder (default: the sample set) into the catalogue
   * database with the real tool, as an operator does (`tessera-icons
   * apply`); resolves to the catalogue hash it printed.
   */
  async applyIcons(dir?: string): Promise<string> {
    const args = [
      '--conditions=tessera-source',
      '--import',
      'tsx',
      path.join(ROOT, 'tools/icons/src/cli.ts'),
      'apply',
      '--url',
      this.mysqlUrl,
      '--database',
      this.catalogueDb,
      ...(dir ? ['--dir', dir] : []),
    ]
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c
    })
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      err += c
    })
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
    if (code !== 0) throw new Error(`tessera-icons apply exited ${code}: ${err}`)
    return out.trim()
  }

  /** Rows of the player table of a logic's database. */
  /** The epoch of `player:<userId>` at the center (undefined: never claimed). */
  async ownerEpoch(userId: string): Promise<bigint | undefined> {
    const rows = (await sql(
      this.mysqlUrl,
      `SELECT epoch FROM \`${this.centerDb}\`.ownership WHERE owner_key = ?`,
      [`player:${userId}`],
    )) as { epoch: unknown }[]
    return rows[0] === undefined ? undefined : BigInt(String(rows[0].epoch))
  }

  async playerRow(logicId: number, userId: string): Promise<Record<string, unknown> | undefined> {
    const db = `logic_${this.machineIds.get(logicId)}`
    const rows = (await sql(this.mysqlUrl, `SELECT * FROM \`${db}\`.player WHERE id = ?`, [
      userId,
    ])) as Record<string, unknown>[]
    return rows[0]
  }

  async stop(): Promise<void> {
    // Every gateway process ever spawned, also one that never came up.
    await Promise.all(this.gatewayProcs.map((p) => p.stop()))
    await Promise.all([...this.logics.values()].map((p) => p.stop()))
    await this.login?.stop()
    await this.center?.stop()
    const url = this.mysqlUrl
    if (url) {
      for (const m of this.machineIds.values()) await sql(url, `DROP DATABASE IF EXISTS \`logic_${m}\``)
      await sql(url, `DROP DATABASE IF EXISTS \`${this.loginDb}\``)
      await sql(url, `DROP DATABASE IF EXISTS \`${this.catalogueDb}\``)
    }
    await dropDatabases()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
