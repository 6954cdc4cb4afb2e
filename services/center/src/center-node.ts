import type { Logger } from '@tessera/kernel'
import {
  type AdminServer,
  Metrics,
  registerNetMetrics,
  ServiceProxy,
  ServiceStates,
  sendJson,
  startAdminServer,
  TcpClusterTransport,
} from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { MachineIdStore } from './machine-ids/machine-id-store.js'
import { OwnershipStore } from './ownership/ownership-store.js'
import { Registry } from './registry/registry.js'

export interface CenterNodeOptions {
  serviceId: number
  node: string
  listen: string
  /** Empty: no admin endpoint. */
  admin: string
  secret: string
  mysqlUrl: string
  database: string
  leaseMs: number
  machineIds: number
  heartbeatMs: number
  heartbeatTimeoutMs: number
  logger: Logger
  metrics?: Metrics
  /** Wall clock for leases (tests pass their own). */
  wallNow?: () => number
}

/**
 * Everything the center does, in one object: the cluster listener, the
 * machine-id leases, the registry with start-up orchestration, ownership
 * epochs and the admin endpoint. The center component drives it; tests and
 * the fault suite start it directly.
 */
export class CenterNode {
  readonly proxy: ServiceProxy
  readonly metrics: Metrics
  registry!: Registry
  address = ''
  adminAddress = ''
  private store: MachineIdStore | undefined
  private ownership: OwnershipStore | undefined
  private admin: AdminServer | undefined
  private sweepTimer: NodeJS.Timeout | undefined
  private renewTimer: NodeJS.Timeout | undefined
  private readonly wallNow: () => number

  constructor(private readonly o: CenterNodeOptions) {
    this.wallNow = o.wallNow ?? Date.now
    this.metrics = o.metrics ?? new Metrics({ defaultLabels: { app: 'center', node: o.node } })
    const transport = new TcpClusterTransport({
      identity: { kind: 'center', serviceId: o.serviceId, node: o.node },
      secret: o.secret,
      wire: clusterWire,
      logger: o.logger,
      limits: { service: { heartbeatIntervalMs: o.heartbeatMs, idleTimeoutMs: o.heartbeatTimeoutMs * 2 } },
    })
    this.proxy = new ServiceProxy({ transport, logger: o.logger })
    registerNetMetrics(this.metrics, transport.net, 'cluster')
  }

  async start(): Promise<void> {
    const o = this.o
    this.store = await MachineIdStore.open({
      url: o.mysqlUrl,
      database: o.database,
      leaseMs: o.leaseMs,
      size: o.machineIds,
    })
    this.ownership = new OwnershipStore(this.store.pool)
    await this.ownership.prepare()
    this.registry = new Registry({
      proxy: this.proxy,
      wire: clusterWire,
      logger: o.logger,
      now: () => performance.now(),
      heartbeatMs: o.heartbeatMs,
      heartbeatTimeoutMs: o.heartbeatTimeoutMs,
    })
    this.installHandlers()
    this.registerMetrics()
    this.address = await this.proxy.listen(o.listen)
    this.sweepTimer = setInterval(() => this.registry.sweep(), Math.max(50, Math.floor(o.heartbeatMs / 2)))
    this.sweepTimer.unref()
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(1000, Math.floor(o.leaseMs / 3)))
    this.renewTimer.unref()
    if (o.admin) {
      this.admin = await startAdminServer({
        address: o.admin,
        metrics: this.metrics,
        logger: o.logger,
        state: () => this.state(),
        routes: { 'GET /admin/cluster': async (_req, res) => sendJson(res, 200, await this.clusterView()) },
      })
      this.adminAddress = this.admin.address
    }
    o.logger.info({ address: this.address, admin: this.adminAddress }, 'center: listening')
  }

  state(): Record<string, unknown> {
    return { center: this.proxy.state(), registryComplete: this.registry.complete }
  }

  /** The whole cluster as the center sees it (the admin `GET /admin/cluster`). */
  async clusterView(): Promise<Record<string, unknown>> {
    return {
      complete: this.registry.complete,
      services: this.registry.list(),
      machineIds: await this.store!.list(),
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer)
    clearInterval(this.renewTimer)
    await this.admin?.close()
    await this.proxy.close()
    await this.store?.close()
  }

  private installHandlers(): void {
    const w = clusterWire
    this.proxy.handle(w.machineIdLease, w.machineIdLeaseOk, async (m, link) => {
      const lease = await this.store!.lease(m.node, m.kind, this.wallNow())
      this.o.logger.info(
        { node: m.node, kind: m.kind, ...lease, from: link.peer },
        'center: machine id leased',
      )
      return {
        machineId: lease.machineId,
        leaseUntilMs: BigInt(lease.leaseUntilMs),
        returning: lease.returning,
      }
    })
    this.proxy.handle(w.ownershipClaim, w.ownershipClaimOk, async (m) => {
      const c = await this.ownership!.claim(m.key, m.ownerServiceId)
      if (c.previousOwner !== 0) {
        const link = this.registry.linkOf(c.previousOwner)
        if (link)
          this.proxy.sendOn(link, w.ownershipRevoked, {
            key: m.key,
            epoch: c.epoch,
            newOwner: m.ownerServiceId,
          })
      }
      return c
    })
    this.proxy.handle(w.ownershipRelease, w.ownershipReleaseOk, async (m) => ({
      released: await this.ownership!.release(m.key, m.ownerServiceId, m.epoch),
    }))
  }

  private async renewLeases(): Promise<void> {
    const live = this.registry.list().filter((s) => s.state !== ServiceStates.UNSPECIFIED)
    try {
      await this.store!.renew(live, this.wallNow())
    } catch (err) {
      this.o.logger.warn({ err }, 'center: lease renewal failed (will retry)')
    }
  }

  private registerMetrics(): void {
    const registry = this.registry
    this.metrics.gauge<'kind'>({
      name: 'tessera_center_services',
      help: 'Registered services by kind',
      labelNames: ['kind'],
      collect() {
        this.reset()
        const n = new Map<string, number>()
        for (const s of registry.list()) n.set(s.kind, (n.get(s.kind) ?? 0) + 1)
        for (const [kind, v] of n) this.set({ kind }, v)
      },
    })
  }
}
