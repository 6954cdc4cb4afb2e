import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { RELEASE_VERSION } from '@tessera/constants'
import { clusterWire } from '@tessera/wire'
import type { z } from 'zod'
import { type AlertInput, FeishuAlertSink, type OnAlert } from '../alerts/index.js'
import {
  ClusterMember,
  ClusterSecretSource,
  type ClusterWire,
  leaseMachineId,
  ServiceStates,
} from '../cluster/index.js'
import { loadConfig } from '../config/index.js'
import { TesseraError } from '../errors/index.js'
import { FileSnowflakeStore, Snowflake } from '../id/index.js'
import { type CreatedLogger, createLogger, type Logger } from '../log/index.js'
import { MemoryMonitor } from '../memory/index.js'
import {
  type AdminServer,
  createAppMetrics,
  type Histogram,
  type Metrics,
  registerNetMetrics,
  startAdminServer,
} from '../metrics/index.js'
import {
  Calendar,
  type Clock,
  systemClock,
  type TimerHandle,
  TimerWheel,
  TurnCachedClock,
} from '../timer/index.js'
import type { AppConfig } from './app-config.js'
import { applyCoreDumpSettings } from './core-dump.js'
import { AppNoMachineId } from './errors.js'
import { type RecentAlert, Service, type ServiceDefinition, type SharedFacilities } from './service.js'

/** How many alerts a process keeps for GET /admin/state. */
const RECENT_ALERTS = 100

export interface ApplicationOptions<C extends AppConfig> {
  /** Process name in logs (e.g. `center`). */
  name: string
  config: C
  services: (config: C) => readonly ServiceDefinition[]
  /** Defaults to a pino logger built from `config.log`. */
  log?: CreatedLogger
  /** How the process ends after a signal or a fatal error (tests replace it). */
  exit?: (code: number) => void
  /** Time source for the timer wheel, calendar and ids (tests inject a ManualClock). */
  clock?: Clock
  /** @deprecated ignored: the cluster layer uses @tessera/wire's generated messages. */
  wire?: ClusterWire
}

export type AppState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'

/**
 * One OS process: configuration, logging, the memory monitor, and its
 * services. `Application.main()` is what a service's entry point calls.
 */
export class Application<C extends AppConfig = AppConfig> {
  readonly name: string
  readonly config: C
  readonly logger: Logger
  readonly memory: MemoryMonitor
  readonly clock: Clock
  /** One timer wheel for the whole process, driven by one Node timeout. */
  readonly timers: TimerWheel
  readonly calendar: Calendar
  readonly metrics: Metrics
  readonly services: Service<C>[] = []
  private snowflake: Snowflake | undefined
  private admin: AdminServer | undefined
  private readonly requestSeconds: Histogram<'service'>
  private readonly recent: RecentAlert[] = []
  private machineId: number | undefined
  /** The cluster secrets every link of this process proves (reloaded from cluster.secretFile on SIGHUP). */
  private secrets: ClusterSecretSource | undefined
  /** This process's machine-id holder token (set when the id is leased from the center). */
  private holder: string | undefined
  /** Ids are minted only this long after the center's last confirmation (half the holder TTL; 0 = no limit). */
  private holderWindowMs = 0
  private leaseConfirmedAt = 0
  private readonly log: CreatedLogger
  private readonly exit: (code: number) => void
  private readonly defs: (config: C) => readonly ServiceDefinition[]
  private _state: AppState = 'created'
  private stopping: Promise<void> | undefined
  private sampler: TimerHandle | undefined
  private readonly alertSink: FeishuAlertSink | undefined
  private readonly handlers: [string, (...a: unknown[]) => void][] = []

  constructor(opts: ApplicationOptions<C>) {
    this.name = opts.name
    this.config = opts.config
    this.log = opts.log ?? createLogger(opts.config.log, { app: opts.name, node: opts.config.app.node })
    this.logger = this.log.logger
    this.exit = opts.exit ?? ((code) => process.exit(code))
    this.defs = opts.services
    this.clock = opts.clock ?? systemClock
    // A bad alerts config fails here, at start, with ALERTS_BAD_CONFIG naming the key.
    const feishu = opts.config.alerts.feishu
    this.alertSink =
      feishu === undefined
        ? undefined
        : new FeishuAlertSink({ config: feishu, logger: this.logger, clock: this.clock })
    this.memory = new MemoryMonitor({
      logger: this.logger,
      window: opts.config.memory.window,
      leakWarnBytesPerMin: opts.config.memory.leakWarnBytesPerMin,
      onAlert: this.alert,
    })
    this.metrics = createAppMetrics({ app: this.name, node: opts.config.app.node, memory: this.memory })
    const services = this.services
    // Message rates between services, read from each ServiceProxy at scrape time.
    this.metrics.gauge<'service' | 'counter'>({
      name: 'tessera_cluster_messages',
      help: 'ServiceProxy counters since start per service (requests, responses, failures, timeouts, notifications, ...) and inbound requests in flight',
      labelNames: ['service', 'counter'],
      collect() {
        for (const svc of services) {
          if (!svc.member) continue
          const p = svc.member.proxy
          for (const [counter, v] of Object.entries(p.stats)) this.set({ service: svc.name, counter }, v)
          this.set({ service: svc.name, counter: 'inflightRequests' }, p.inflightRequests)
        }
      },
    })
    // Round trips of requests to other services (gateway → logic session
    // binds, logic → logic, heartbeats to the center): the center's admin
    // page charts their p99 from these buckets.
    this.requestSeconds = this.metrics.histogram<'service'>({
      name: 'tessera_cluster_request_seconds',
      help: 'Round-trip time of cluster requests answered with a body, per service',
      labelNames: ['service'],
    })
    // ref: while the application runs, its repeating timers keep the process alive.
    this.timers = new TimerWheel({
      // On the real clock, read time once per turn, as Node's own timers do
      // (a delay counts from the current turn's time): it saves a clock read
      // per timer added. An injected clock (tests) is used as it is.
      clock: this.clock === systemClock ? new TurnCachedClock(systemClock) : this.clock,
      ref: true,
      onError: (err) => this.logger.error({ err }, 'timer callback threw'),
    })
    const cal = opts.config.calendar
    this.calendar = new Calendar({
      wheel: this.timers,
      clock: this.clock,
      hour: cal.resetHour,
      minute: cal.resetMinute,
      timeZone: cal.timeZone,
      weekStart: cal.weekStart,
      onError: (err, event) => this.logger.error({ err, event }, 'calendar listener threw'),
    })
  }

  /**
   * Raise an alert (SharedFacilities.alert): logged at warn (error when
   * critical) and handed to the Feishu sink when one is configured. Bound,
   * so it can be passed as any part's `onAlert`.
   */
  readonly alert: OnAlert = (a) => {
    const full: AlertInput = { ...a, service: a.service ?? this.name, node: a.node ?? this.config.app.node }
    const line = {
      alert: { kind: full.kind, severity: full.severity, text: full.text, service: full.service },
    }
    if (full.severity === 'critical') this.logger.error(line, `alert: ${full.title}`)
    else this.logger.warn(line, `alert: ${full.title}`)
    this.alertSink?.alert(full)
    const { kind, severity, title, text, service, node } = full
    this.recent.push({ atMs: this.clock.now(), kind, severity, title, text, service, node })
    if (this.recent.length > RECENT_ALERTS) this.recent.shift()
  }

  /** The last alerts raised here, oldest first (GET /admin/state, the center's admin page). */
  recentAlerts(): readonly RecentAlert[] {
    return this.recent
  }

  /** Snowflake ids, persisted under `app.dataDir` so a restart never reissues one. */
  get ids(): Snowflake {
    if (!this.snowflake) throw new AppNoMachineId(this.name)
    return this.snowflake
  }

  private get shared(): SharedFacilities {
    const app = this
    return {
      clock: this.clock,
      timers: this.timers,
      calendar: this.calendar,
      memory: this.memory,
      metrics: this.metrics,
      alert: this.alert,
      recentAlerts: () => this.recent,
      get ids() {
        return app.ids
      },
    }
  }

  /**
   * Entry point for a service process: load and validate configuration (a bad
   * key prints one clear error and exits with status 2), build the
   * application, install signal and fatal handlers, and start it.
   */
  static async main<S extends z.ZodType<AppConfig>>(opts: {
    name: string
    schema: S
    services: (config: z.output<S>) => readonly ServiceDefinition[]
    /** @deprecated ignored: the cluster layer uses @tessera/wire's generated messages. */
    wire?: ClusterWire
    argv?: readonly string[]
    env?: Readonly<Record<string, string | undefined>>
    defaultFile?: string
    /**
     * The time source, chosen from the loaded configuration (default: the
     * system clock). Throwing here is treated like a bad configuration key.
     */
    clock?: (config: z.output<S>) => Clock | undefined
  }): Promise<Application<z.output<S>>> {
    let loaded: { value: z.output<S>; sources: string[] }
    let clock: Clock | undefined
    try {
      loaded = loadConfig({
        schema: opts.schema,
        argv: opts.argv,
        env: opts.env,
        defaultFile: opts.defaultFile,
      })
      clock = opts.clock?.(loaded.value)
    } catch (err) {
      const code = err instanceof TesseraError ? err.code : 'CONFIG_ERROR'
      process.stderr.write(`${opts.name}: ${code}: ${(err as Error).message}\n`)
      process.exit(2)
    }
    const app = new Application<z.output<S>>({
      name: opts.name,
      config: loaded.value,
      services: opts.services,
      ...(clock ? { clock } : {}),
    })
    app.logger.info({ sources: loaded.sources }, 'configuration loaded')
    app.installProcessHandlers()
    try {
      await app.start()
    } catch (err) {
      await app.fatal(err, 'start-up failed')
    }
    return app
  }

  get state(): AppState {
    return this._state
  }

  /** Create the services and start them in order; on failure, close what started. */
  async start(): Promise<void> {
    if (this._state !== 'created') throw new Error(`application already ${this._state}`)
    this._state = 'starting'
    const core = applyCoreDumpSettings(this.config.app.coreDump)
    this.logger.info({ coreDumpSoftLimit: core, nodeVersion: process.version }, `${this.name} starting`)
    const { dataDir } = this.config.app
    const cluster = this.config.cluster
    const defs = this.defs(this.config)
    let machineId = this.config.app.machineId
    if (cluster.center !== undefined) {
      this.secrets = await ClusterSecretSource.open(cluster, { logger: this.logger, timers: this.timers })
      if (machineId === undefined) {
        // The center leases machine ids per (node, kind, slot), held by this
        // process instance: a restart gets its own id back, a second live
        // process with the same key is refused (CENTER_MACHINE_ID_HELD).
        const slot = this.config.app.slot ?? defs[0]?.id ?? 0
        this.holder = randomUUID()
        const sentAt = Date.now()
        const lease = await leaseMachineId({
          center: cluster.center,
          secret: this.secrets.secrets,
          encryptLinks: cluster.encryptLinks,
          wire: clusterWire,
          node: this.config.app.node,
          kind: this.name,
          slot,
          holder: this.holder,
          logger: this.logger,
        }).catch((err: unknown) => {
          // No services yet, so no closeAll: stop the secrets' watch and SIGHUP listener here.
          this.secrets?.close()
          throw err
        })
        machineId = lease.machineId
        // Ids are minted only within half the holder TTL of the center's last confirmation.
        this.holderWindowMs = lease.holderTtlMs > 0 ? Math.floor(lease.holderTtlMs / 2) : 0
        this.leaseConfirmedAt = sentAt
        this.logger.info({ machineId, slot, returning: lease.returning }, 'machine id leased from the center')
      }
    }
    this.machineId = machineId
    if (machineId !== undefined) {
      const file = path.resolve(dataDir, `snowflake-${this.name}-${machineId}.json`)
      this.snowflake = await Snowflake.open({
        machineId,
        clock: this.clock,
        timers: this.timers,
        store: new FileSnowflakeStore(file),
        onSaveError: (err) => this.logger.error({ err }, 'snowflake mark save failed (retrying)'),
      })
      if (this.holderWindowMs > 0) this.snowflake.confirmUntil(this.leaseConfirmedAt + this.holderWindowMs)
      this.logger.info({ machineId, file }, 'snowflake ids ready')
    }
    this.timers.start()
    this.sampler = this.timers.every(this.config.memory.sampleIntervalMs, () => void this.memory.sample())
    this.calendar.start()
    try {
      if (this.config.admin.listen) {
        this.admin = await startAdminServer({
          address: this.config.admin.listen,
          metrics: this.metrics,
          logger: this.logger,
          state: () => this.adminState(),
        })
        this.logger.info({ address: this.admin.address }, 'admin endpoint listening')
      }
      for (const def of defs) {
        const svc = new Service<C>(def.kind, def.id, this.config, this.logger, def.components, this.shared)
        this.services.push(svc)
        svc.logger.info({ order: svc.host.startOrder() }, `starting ${svc.name}`)
        if (cluster.center !== undefined) await this.startInCluster(svc)
        else await svc.host.start()
        svc.logger.info(`${svc.name} ready`)
      }
    } catch (err) {
      this._state = 'failed'
      await this.closeAll()
      throw err
    }
    this._state = 'running'
    this.logger.info({ services: this.services.map((s) => s.name) }, `${this.name} running`)
  }

  /**
   * Join the cluster, run init, wait until the center says the declared
   * dependencies are READY, then run the remaining phases and report READY.
   */
  private async startInCluster(svc: Service<C>): Promise<void> {
    const cluster = this.config.cluster
    svc.member = await ClusterMember.join({
      identity: { kind: svc.kind, serviceId: svc.id, node: this.config.app.node },
      secret: this.secrets!.secrets,
      encryptLinks: cluster.encryptLinks,
      listen: cluster.listen,
      center: cluster.center!.includes('://') ? cluster.center! : `tcp://${cluster.center}`,
      machineId: this.machineId,
      ...(this.holder === undefined
        ? {}
        : {
            holder: this.holder,
            onConfirmed: (sentAtMs: number) => {
              if (this.holderWindowMs > 0) this.snowflake?.confirmUntil(sentAtMs + this.holderWindowMs)
            },
            onSuperseded: (err: Error) => this.superseded(err),
          }),
      dependsOn: cluster.dependsOn,
      version: RELEASE_VERSION.text,
      ...(this.admin === undefined ? {} : { admin: this.admin.address }),
      logger: svc.logger,
      timeoutMs: cluster.requestTimeoutMs,
      timers: this.timers,
    })
    registerNetMetrics(this.metrics, svc.member.net, `cluster:${svc.name}`)
    const roundTrips = this.requestSeconds.labels({ service: svc.name })
    svc.member.proxy.onRoundTrip = (seconds) => roundTrips.observe(seconds)
    svc.logger.info({ address: svc.member.info.addresses[0] }, 'registered with the center')
    await svc.host.prepare()
    if (cluster.dependsOn.length)
      svc.logger.info({ dependsOn: cluster.dependsOn }, 'waiting for the center to say go')
    await svc.member.startupGo()
    await svc.member.setState(ServiceStates.STARTING)
    await svc.host.startPhases()
    await svc.member.setState(ServiceStates.READY)
  }

  /**
   * Another process holds our machine id now (we hung past the holder TTL
   * and were replaced): mint nothing more, stop, exit 1 — a supervisor that
   * restarts us gets a fresh lease.
   */
  private superseded(err: Error): void {
    this.snowflake?.revoke()
    this.logger.fatal(
      { err, machineId: this.machineId },
      'machine id superseded by another process; stopping',
    )
    void this.stop('machine id superseded').finally(() => this.exit(1))
  }

  /** What GET /admin/state answers. */
  adminState(): unknown {
    return {
      app: this.name,
      node: this.config.app.node,
      pid: process.pid,
      state: this._state,
      machineId: this.machineId ?? null,
      services: this.services.map((s) => ({
        kind: s.kind,
        id: s.id,
        state: s.host.state,
        addresses: s.member?.info.addresses ?? [],
      })),
      memory: this.memory.snapshot(),
      alerts: this.recent,
    }
  }

  /** Graceful stop: services close in reverse, then cleaners run, then logs flush. Idempotent. */
  stop(reason = 'requested'): Promise<void> {
    if (!this.stopping) {
      this.logger.info({ reason }, `${this.name} stopping`)
      this._state = 'stopping'
      this.stopping = this.closeAll().then(async () => {
        this._state = 'stopped'
        this.logger.info(`${this.name} stopped`)
        await this.log.flush()
      })
    }
    return this.stopping
  }

  private async closeAll(): Promise<void> {
    let first: unknown
    for (const svc of [...this.services].reverse()) {
      try {
        // Drain: peers see DRAINING (round-robin routes no new work here) and
        // requests being handled are answered before the components close.
        if (svc.member) {
          await svc.member.setState(ServiceStates.DRAINING).catch(() => {})
          const idle = await svc.member.proxy.drain(this.config.app.shutdownTimeoutMs / 2)
          if (!idle) svc.logger.warn({ inflight: svc.member.proxy.inflightRequests }, 'drain timed out')
        }
        await svc.host.stop()
      } catch (err) {
        first ??= err
        svc.logger.error({ err }, `${svc.name} did not close cleanly`)
      }
      await svc.member
        ?.leave()
        .catch((err: unknown) => svc.logger.warn({ err }, `${svc.name} left the cluster uncleanly`))
    }
    this.secrets?.close()
    await this.admin?.close()
    await this.memory.cleanup()
    if (this.sampler !== undefined) this.timers.cancel(this.sampler)
    this.calendar.stop()
    this.timers.stop()
    await this.snowflake?.close()
    // What is still queued stays on disk for the next start.
    await this.alertSink?.close()
    if (first) throw first
  }

  /** Log at fatal level, make sure the line (and everything before it) is written, then exit 1. */
  async fatal(err: unknown, msg = 'fatal error'): Promise<void> {
    this._state = 'failed'
    this.logger.fatal({ err }, msg)
    await this.log.flush()
    this.exit(1)
  }

  /**
   * SIGINT/SIGTERM start a graceful stop bounded by app.shutdownTimeoutMs; a
   * second signal exits at once. Uncaught errors take the fatal path.
   */
  installProcessHandlers(): void {
    let signals = 0
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) {
        this.logger.warn({ signal: sig }, 'second signal: exiting now')
        void this.log.flush().then(() => this.exit(130))
        return
      }
      // Raw on purpose: the process-exit guard must fire even when the stop
      // it guards has already stopped the wheel (closeAll stops it).
      const timer = setTimeout(() => {
        void this.fatal(
          new Error(`shutdown took longer than ${this.config.app.shutdownTimeoutMs} ms`),
          'shutdown timed out',
        )
      }, this.config.app.shutdownTimeoutMs).unref()
      this.stop(sig).then(
        () => {
          clearTimeout(timer)
          this.exit(0)
        },
        (err) => void this.fatal(err, 'shutdown failed'),
      )
    }
    const onUncaught = (err: unknown) => void this.fatal(err, 'uncaught exception')
    const onRejection = (err: unknown) => void this.fatal(err, 'unhandled rejection')
    this.on('SIGINT', onSignal)
    this.on('SIGTERM', onSignal)
    this.on('uncaughtException', onUncaught)
    this.on('unhandledRejection', onRejection)
  }

  /** Remove the process handlers this application installed (tests, embedding). */
  removeProcessHandlers(): void {
    for (const [ev, fn] of this.handlers) process.off(ev, fn)
    this.handlers.length = 0
  }

  private on<A extends unknown[]>(ev: string, fn: (...a: A) => void): void {
    const f = fn as (...a: unknown[]) => void
    process.on(ev, f)
    this.handlers.push([ev, f])
  }
}
