import type { DbOptions } from './db/db-client.js'
import type { JournalOptions, ResolvedJournalOptions } from './durability/journal.js'
import type { Columns, Entity } from './entity/index.js'
import { StorageBadConfig } from './errors.js'
import { type StorageLogger, silentLogger } from './logger.js'
import type { Scheduler } from './scheduler.js'
import type { StorageAlert } from './storage-alert.js'

export interface StorageOptions {
  /** mysql://user:pass@host:port of the server. */
  url: string
  /** Service name and machine id give the database name `<service>_<machineId>`. */
  service: string
  machineId: number | string
  /** `single` (default) creates database and tables; `cluster` only verifies them. */
  mode?: 'single' | 'cluster'
  entities: readonly Entity<Columns>[]
  /** Journal, dump and error files go to `<dataDir>/<database>/`. */
  dataDir: string
  /** Owner epoch written with every row unless load/create says otherwise. Default 0. */
  epoch?: number
  /** Periodic flush interval. Default 1000 ms. */
  flushIntervalMs?: number
  /** Rows per multi-row upsert. Default 500. */
  batchRows?: number
  /**
   * A write batch (with its retries) that gets no answer within this long
   * counts as an outage: it goes to the dump file and later batches follow
   * it there until the database answers again. This is what catches a hung
   * database (TCP open, no answer), which would otherwise hold every flush
   * for each retry's query and connect timeouts. Default 5000 ms.
   */
  writeDeadlineMs?: number
  /**
   * A load (the epoch claim and the read, retries included) that gets no
   * answer within this long fails with STORAGE_UNAVAILABLE, so a hung
   * database refuses a player's bind promptly instead of holding it for
   * every retry's query timeout (3 × 15 s by default). Default 5000 ms.
   */
  readDeadlineMs?: number
  /** While writes wait in the dump file, how often to check the database is back. Default 1000 ms. */
  probeIntervalMs?: number
  journal?: JournalOptions
  db?: Omit<DbOptions, 'url' | 'database' | 'createDatabase'>
  logger?: StorageLogger
  /** Wall clock, for timestamps in dump records. */
  now?: () => number
  /**
   * Timer wheel for the flush, probe and journal sync timers (a service
   * passes its `ctx.timers`; a test, a wheel on a ManualClock). Default: a
   * wheel of its own on the system clock.
   */
  timers?: Scheduler
  /** Told of every {@link StorageAlert} (also logged). */
  onAlert?: (alert: StorageAlert) => void
}

/** StorageOptions with every default filled in, checked once (see resolveOptions). */
export interface ResolvedStorageOptions
  extends Required<Omit<StorageOptions, 'journal' | 'db' | 'timers' | 'onAlert'>> {
  journal: ResolvedJournalOptions
  db: NonNullable<StorageOptions['db']>
  timers: Scheduler | undefined
  onAlert: ((alert: StorageAlert) => void) | undefined
}

const JOURNAL_MODES = ['always', 'write', 'interval', 'off']

/** Fill in the defaults and refuse bad values with STORAGE_BAD_CONFIG. */
export function resolveOptions(opts: StorageOptions): ResolvedStorageOptions {
  const r: ResolvedStorageOptions = {
    ...opts,
    mode: opts.mode ?? 'single',
    epoch: opts.epoch ?? 0,
    flushIntervalMs: opts.flushIntervalMs ?? 1000,
    batchRows: opts.batchRows ?? 500,
    writeDeadlineMs: opts.writeDeadlineMs ?? 5000,
    readDeadlineMs: opts.readDeadlineMs ?? 5000,
    probeIntervalMs: opts.probeIntervalMs ?? 1000,
    journal: {
      mode: opts.journal?.mode ?? 'write',
      syncIntervalMs: opts.journal?.syncIntervalMs ?? 100,
      segmentRecords: opts.journal?.segmentRecords ?? 65_536,
      alertBytes: opts.journal?.alertBytes ?? 64 * 1024 * 1024,
    },
    db: opts.db ?? {},
    logger: opts.logger ?? silentLogger,
    now: opts.now ?? Date.now,
    timers: opts.timers,
    onAlert: opts.onAlert,
  }
  const positive: [string, number][] = [
    ['batchRows', r.batchRows],
    ['flushIntervalMs', r.flushIntervalMs],
    ['writeDeadlineMs', r.writeDeadlineMs],
    ['readDeadlineMs', r.readDeadlineMs],
    ['probeIntervalMs', r.probeIntervalMs],
    ['journal syncIntervalMs', r.journal.syncIntervalMs],
    ['journal segmentRecords', r.journal.segmentRecords],
    ['journal alertBytes', r.journal.alertBytes],
  ]
  for (const [name, v] of positive) if (!(v > 0)) throw new StorageBadConfig(`${name} must be > 0, got ${v}`)
  if (!JOURNAL_MODES.includes(r.journal.mode)) throw new StorageBadConfig(`journal mode ${r.journal.mode}`)
  if (r.mode !== 'single' && r.mode !== 'cluster') throw new StorageBadConfig(`mode ${r.mode}`)
  return r
}
