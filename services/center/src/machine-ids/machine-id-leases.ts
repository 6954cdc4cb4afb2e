import {
  BaseComponent,
  type ComponentFactory,
  type Link,
  type MachineIdLeaseMsg,
  type MachineIdLeaseOkMsg,
  type ServiceContext,
  type ServiceInfoMsg,
  ServiceStates,
  type TimerHandle,
} from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { CenterComponentIds } from '../component-ids.js'
import type { CenterConfig } from '../config.js'
import type { DatabaseComponent } from '../db/index.js'
import { CenterMachineIdSuperseded, CenterNoDatabase } from '../errors.js'
import type { CenterLink } from '../link/index.js'
import type { DropReason, Registry, RegistryComponent } from '../registry/index.js'
import { keyText, type Lease, type LeaseRequest, type LeaseRow, MachineIdStore } from './machine-id-store.js'

/**
 * Machine-id leases as a component: answers MachineIdLease on the center
 * link, renews the leases and holder claims of registered services on the
 * timer wheel, ends a holder's claim when its service leaves or dies, and
 * keeps every lease in memory. The cached copy lets the center answer what
 * needs no write while the database hangs (the admin view; a holder asking
 * again for the id it holds; the tool's look-up of a known key) and is
 * refreshed from the database at every renewal.
 */
export class MachineIdLeases extends BaseComponent<ServiceContext<CenterConfig>> {
  private opened: MachineIdStore | undefined
  private readonly cache = new Map<number, LeaseRow>()
  /** Wall ms of the last full read of the table. */
  private cacheAsOf = 0
  /** Holder of each registered service's id when it registered (to end that claim, not a newer one). */
  private readonly holderOf = new Map<number, string>()
  private renewer: TimerHandle | undefined
  private renewing: Promise<void> | undefined
  private databaseDown = false
  private closing: Promise<void> | undefined

  get store(): MachineIdStore {
    if (!this.opened) throw new Error('machine-id store used before willStartup')
    return this.opened
  }

  private get registry(): Registry {
    return this.host.get<RegistryComponent>(CenterComponentIds.Registry).registry
  }

  init(): void {
    const w = clusterWire
    this.host
      .get<CenterLink>(CenterComponentIds.Link)
      .proxy.handle(w.machineIdLease, w.machineIdLeaseOk, (m, link) => this.lease(m, link))
    this.registry.guardRegistrations((info, holder) => this.checkHolder(info, holder))
    this.registry.onRegistered((info) => this.registered(info))
    this.registry.onDropped((info, why, linkOpen) => this.dropped(info, why, linkOpen))
  }

  async willStartup(): Promise<void> {
    const c = this.host.context.config.center
    this.opened = new MachineIdStore(this.host.get<DatabaseComponent>(CenterComponentIds.Database).db, {
      leaseMs: c.leaseMs,
      holderTtlMs: c.holderTtlMs,
      size: c.machineIds,
    })
    await this.opened.prepare()
    await this.refresh()
  }

  startup(): void {
    const c = this.host.context.config.center
    const every = Math.max(100, Math.floor(Math.min(c.leaseMs, c.holderTtlMs) / 3))
    this.renewer = this.host.context.timers.every(every, () => void this.renew())
  }

  close(): Promise<void> {
    if (this.renewer !== undefined) this.host.context.timers.cancel(this.renewer)
    this.renewer = undefined
    // A renewal in flight finishes (or fails) before the database closes.
    if (!this.closing) this.closing = (this.renewing ?? Promise.resolve()).then(() => {})
    return this.closing
  }

  /** Every id with a key, as last read or written, and when the table was last read in full. */
  leases(): { leases: LeaseRow[]; asOfMs: number; databaseDown: boolean } {
    const leases = [...this.cache.values()].sort((a, b) => a.machineId - b.machineId)
    return { leases, asOfMs: this.cacheAsOf, databaseDown: this.databaseDown }
  }

  /**
   * Extend the leases and holder claims of every registered service, then
   * re-read the table. Runs on the timer; one at a time.
   */
  renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = undefined
    })
    return this.renewing
  }

  private async renewOnce(): Promise<void> {
    const { clock, logger } = this.host.context
    const live = this.registry.list().filter((s) => s.state !== ServiceStates.UNSPECIFIED)
    try {
      await this.store.renew(live, clock.now())
      await this.refresh()
      if (this.databaseDown) logger.info('center: database answers again; leases renewed')
      this.databaseDown = false
    } catch (err) {
      // Once per outage: the timer tries again every interval.
      if (!this.databaseDown) logger.warn({ err }, 'center: lease renewal failed (will retry)')
      this.databaseDown = true
    }
  }

  private async refresh(): Promise<void> {
    const asOf = this.host.context.clock.now()
    const rows = await this.store.list()
    this.cache.clear()
    for (const r of rows) this.cache.set(r.machineId, r)
    this.cacheAsOf = asOf
  }

  private async lease(m: MachineIdLeaseMsg, from: Link): Promise<MachineIdLeaseOkMsg> {
    const { clock, logger } = this.host.context
    const req: LeaseRequest = { node: m.node, kind: m.kind, slot: m.slot, holder: m.holder }
    const registry = this.registry
    let lease: Lease
    try {
      lease = await this.store.lease(
        req,
        clock.now(),
        (id) => registry.machineIdUse(req.node, id),
        registry.list().map((s) => s.machineId),
      )
    } catch (err) {
      const cached = CenterNoDatabase.is(err) ? this.fromCache(req) : undefined
      if (!cached) throw err
      logger.warn(
        { key: keyText(req), machineId: cached.machineId, err },
        'center: database unavailable; machine id answered from the cache',
      )
      return cached
    }
    this.cache.set(lease.machineId, {
      machineId: lease.machineId,
      ...req,
      holder: req.holder || (this.cache.get(lease.machineId)?.holder ?? null),
      leaseUntilMs: lease.leaseUntilMs,
      holderUntilMs: lease.holderUntilMs || (this.cache.get(lease.machineId)?.holderUntilMs ?? 0),
    })
    logger.info(
      { key: keyText(req), ...lease, holder: req.holder.slice(0, 8), from: from.peer },
      lease.takenOver ? 'center: machine id taken over by a new process' : 'center: machine id leased',
    )
    return {
      machineId: lease.machineId,
      leaseUntilMs: BigInt(lease.leaseUntilMs),
      returning: lease.returning,
      holderUntilMs: BigInt(lease.holderUntilMs),
      holderTtlMs: req.holder ? this.host.context.config.center.holderTtlMs : 0,
    }
  }

  /**
   * What the cache may answer without the database: a look-up (no holder)
   * of a known key, or a holder asking again for the id it holds. Anything
   * that changes who holds an id needs the database.
   */
  private fromCache(req: LeaseRequest): MachineIdLeaseOkMsg | undefined {
    for (const r of this.cache.values()) {
      if (r.node !== req.node || r.kind !== req.kind || r.slot !== req.slot) continue
      if (req.holder && r.holder !== req.holder) return undefined
      return {
        machineId: r.machineId,
        leaseUntilMs: BigInt(r.leaseUntilMs),
        returning: true,
        holderUntilMs: BigInt(req.holder ? r.holderUntilMs : 0),
        holderTtlMs: req.holder ? this.host.context.config.center.holderTtlMs : 0,
      }
    }
    return undefined
  }

  /**
   * A process that leased its id with a holder token registers only while
   * that token still holds the id: one that hung past holderTtlMs may have
   * been replaced by another process of its (node, kind, slot), and minting
   * ids with the same machine id would collide. (The cache is written by
   * every lease this center answers, so a takeover is seen at once.)
   */
  private checkHolder(info: ServiceInfoMsg, holder: string): void {
    if (!holder) return
    const row = this.cache.get(info.machineId)
    if (row === undefined || row.node !== info.node || row.holder === null || row.holder === holder) return
    this.host.context.logger.warn(
      { service: `${info.kind}#${info.serviceId}`, machineId: info.machineId, holder: holder.slice(0, 8) },
      'center: registration refused, another process holds its machine id now',
    )
    throw new CenterMachineIdSuperseded(info.machineId, info.node)
  }

  private registered(info: ServiceInfoMsg): void {
    const row = this.cache.get(info.machineId)
    if (row?.node === info.node && row.holder) this.holderOf.set(info.serviceId, row.holder)
  }

  /**
   * A service that unregistered or died ends its holder's claim at once, so
   * its restart gets the id back without waiting for the claim to lapse. A
   * hung one (link still open) keeps it: it may wake up and go on minting
   * ids, so its claim lapses only after holderTtlMs.
   */
  private dropped(info: ServiceInfoMsg, why: DropReason, linkOpen: boolean): void {
    const holder = this.holderOf.get(info.serviceId)
    this.holderOf.delete(info.serviceId)
    if (!holder || (why !== 'unregistered' && linkOpen)) return
    // Another service of the same process (one machine id per process) still runs with it.
    if (this.registry.machineIdUse(info.node, info.machineId) === 'live') return
    const row = this.cache.get(info.machineId)
    this.store.release(info.machineId, info.node, holder).then(
      (released) => {
        if (released && row?.holder === holder) row.holderUntilMs = 0
      },
      (err: unknown) =>
        this.host.context.logger.warn(
          { err, machineId: info.machineId, node: info.node },
          'center: could not end a departed holder’s claim (it lapses by itself)',
        ),
    )
  }
}

// @component center sort=30
export const machineIdLeases: ComponentFactory<MachineIdLeases, ServiceContext<CenterConfig>> = {
  typeId: CenterComponentIds.MachineIds,
  name: 'center-machine-ids',
  dependsOn: [CenterComponentIds.Database, CenterComponentIds.Link, CenterComponentIds.Registry],
  create: (host) => new MachineIdLeases(host),
}
