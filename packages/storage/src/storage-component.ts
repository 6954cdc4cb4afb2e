import path from 'node:path'
import type { AppConfig, ComponentFactory, ServiceContext } from '@tessera/kernel'
import { z } from 'zod'
import type { Columns, Entity } from './entity/index.js'
import { StorageBadConfig } from './errors.js'
import { Storage } from './storage.js'
import { storageAlertInput } from './storage-alert-input.js'
import { registerStorageMetrics } from './storage-metrics.js'

/** The `storage` section of a service's configuration. */
export const storageConfigSchema = z.strictObject({
  /** mysql://user:pass@host:port; MYSQL_URL in the environment is the usual way to set it. */
  url: z.string().min(1),
  /** `single` creates database and tables at start; `cluster` only verifies them (run the migration). */
  mode: z.enum(['single', 'cluster']).default('single'),
  flushIntervalMs: z.number().int().positive().default(1000),
  batchRows: z.number().int().positive().default(500),
  /** A write batch with no answer in this long counts as an outage (dump file, probe, replay). */
  writeDeadlineMs: z.number().int().positive().default(5000),
  /** A load with no answer in this long fails with STORAGE_UNAVAILABLE (a hung database). */
  readDeadlineMs: z.number().int().positive().default(5000),
  journal: z
    .strictObject({
      mode: z.enum(['always', 'write', 'interval', 'off']).default('write'),
      syncIntervalMs: z.number().int().positive().default(100),
      /** Records per journal segment (bounds replay memory). */
      segmentRecords: z.number().int().positive().default(65_536),
      /** Journal bytes on disk that raise the journal-size alert (a log line at warn). */
      alertBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024 * 1024),
    })
    .prefault({}),
})
export type StorageConfig = z.output<typeof storageConfigSchema>

/** A service config that has a storage section. */
export type WithStorage = AppConfig & { storage: StorageConfig }

/** Type id of the storage component (storage range 1000-1999). */
export const STORAGE_COMPONENT_ID = 1000

/**
 * The storage as an optional component: the service's database is
 * `<kind>_<machineId>`; it opens at willStartup (so the center can hold it
 * back until MySQL is reachable), flushes at willClose and makes its final
 * flush at close — after every component that depends on it has closed.
 */
export class StorageComponent {
  private _storage: Storage | undefined
  private unregister: (() => void) | undefined

  constructor(
    private readonly ctx: ServiceContext<WithStorage>,
    private readonly entities: readonly Entity<Columns>[],
  ) {}

  get storage(): Storage {
    if (!this._storage) throw new StorageBadConfig('storage is used before its component was initialised')
    return this._storage
  }

  init(): void {
    const { config, kind, logger } = this.ctx
    const machineId = config.app.machineId
    if (machineId === undefined)
      throw new StorageBadConfig(`${kind} needs app.machineId to name its database`)
    this._storage = new Storage({
      url: config.storage.url,
      service: kind,
      machineId,
      mode: config.storage.mode,
      entities: this.entities,
      dataDir: path.resolve(config.app.dataDir, 'storage'),
      flushIntervalMs: config.storage.flushIntervalMs,
      batchRows: config.storage.batchRows,
      writeDeadlineMs: config.storage.writeDeadlineMs,
      readDeadlineMs: config.storage.readDeadlineMs,
      journal: config.storage.journal,
      logger: logger.child({ component: 'storage' }),
      timers: this.ctx.timers,
      // Logged by the storage already; this sends it on (Feishu when configured).
      onAlert: (a) => this.ctx.alert(storageAlertInput(a)),
    })
    this.unregister = registerStorageMetrics(this.ctx.metrics, this._storage)
  }

  async willStartup(): Promise<void> {
    await this.storage.start()
    this.ctx.logger.info({ database: this.storage.database }, 'storage open')
  }

  async willClose(): Promise<void> {
    await this.storage.flush()
  }

  async close(): Promise<void> {
    await this.storage.stop()
    this.unregister?.()
  }
}

/** Register the storage with a service: `components: [storageComponent([Player]), ...]`. */
export function storageComponent(
  entities: readonly Entity<Columns>[],
): ComponentFactory<StorageComponent, ServiceContext<WithStorage>> {
  return {
    typeId: STORAGE_COMPONENT_ID,
    name: 'storage',
    sortId: -100,
    create: (host) => new StorageComponent(host.context, entities),
  }
}
