import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { RowDataPacket } from 'mysql2/promise'
import { DbClient, type DbOptions } from './db/db-client.js'
import { type ClassStats, QueryMetrics, type StatementClass } from './db/query-metrics.js'
import { DumpFile } from './durability/dump-file.js'
import { ErrorDump } from './durability/error-dump.js'
import { Journal, type JournalOptions, type JournalSize } from './durability/journal.js'
import { JournalFold, journalRecord } from './durability/journal-record.js'
import { Quarantine, type QuarantineEntry } from './durability/quarantine.js'
import { readFrames } from './durability/record-reader.js'
import type { ChangeSink, Column, Columns, Entity, Row, RowInit, RowState } from './entity/index.js'
import { EPOCH_COLUMN, encodeKey, ROW_STATE, rowId, rowState, VERSION_COLUMN } from './entity/index.js'
import {
  StorageBadConfig,
  StorageBadValue,
  StorageNotRunning,
  StorageStaleEpoch,
  StorageUnavailable,
} from './errors.js'
import { BatchWriter, emptyOutcome, mergeOutcome, type WriteOutcome } from './flush/batch-writer.js'
import { Lane } from './flush/lane.js'
import { takeDirty } from './flush/take-dirty.js'
import { type StorageLogger, silentLogger } from './logger.js'
import { ownScheduler, type Scheduler, type TimerHandle } from './scheduler.js'
import { prepareSchema } from './sql/prepare-schema.js'
import { databaseName } from './sql/schema.js'
import { keyInSql, q } from './sql/upsert.js'
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

export interface FlushResult extends WriteOutcome {
  /** Batches (statements before any split) sent or dumped. */
  batches: number
}

export interface StorageStats {
  database: string
  queries: Record<StatementClass, ClassStats>
  /** Field assignments that marked a column dirty, since start. */
  dirtyMarks: number
  /** Rows with unflushed changes now. */
  dirtyRows: number
  loadedRows: number
  flushes: number
  rowsLanded: number
  rowsDumped: number
  rowsErrored: number
  /**
   * Rows the database refused (stale owner epoch, version conflict) on any
   * path: live flush, unload, journal or dump replay. Each is in the error
   * dump and the log.
   */
  rowsRejected: number
  /** Replayed rows the database already held at a newer version of the same owner (nothing lost). */
  rowsSuperseded: number
  /** Batches split because they exceeded the server's max_allowed_packet. */
  packetSplits: number
  /** Records in the dump file waiting for the database. */
  dumpPending: number
  /** Journal segments on disk, their bytes and the records written to them since start. */
  journalBytes: number
  journalRecords: number
  journalSegments: number
  /** Unreadable ranges of journal or dump files moved to the quarantine since start. */
  quarantined: number
}

/** What start() found on disk and replayed (also logged at start-up). */
export interface StartupReplay {
  /** Dump file records replayed, the rows they held, and how long it took. */
  dumpRecords: number
  dumpRows: number
  dumpMs: number
  /** Journal records and segments replayed, the rows they folded into, and how long it took. */
  journalRecords: number
  journalSegments: number
  journalRows: number
  journalMs: number
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped'

/**
 * Persistent rows with dirty tracking (see docs/storage.md). Changes are
 * journaled as they happen, flushed in batched fenced upserts on an
 * interval, at unload and at stop; what cannot reach the database goes to
 * the dump file and is replayed when it answers again.
 */
export class Storage implements ChangeSink {
  readonly database: string
  readonly dir: string
  private readonly opts: StorageOptions
  private readonly logger: StorageLogger
  private readonly now: () => number
  private readonly entities = new Map<string, Entity<Columns>>()
  private readonly metrics = new QueryMetrics()
  private readonly lane = new Lane()
  private readonly rows = new Map<string, object>()
  private readonly loading = new Map<string, Promise<object | undefined>>()
  private readonly dirty = new Set<RowState>()
  private readonly journal: Journal
  private readonly journaling: boolean
  private readonly quarantine: Quarantine
  private readonly timers: Scheduler
  private readonly stopTimers: () => void
  private db: DbClient | undefined
  private dump: DumpFile | undefined
  private errors: ErrorDump | undefined
  private writer: BatchWriter | undefined
  private state: State = 'new'
  private handles: TimerHandle[] = []
  private probing = false
  private flushQueued: Promise<FlushResult> | undefined
  private counts = { dirtyMarks: 0, flushes: 0 }
  private replay: StartupReplay = {
    dumpRecords: 0,
    dumpRows: 0,
    dumpMs: 0,
    journalRecords: 0,
    journalSegments: 0,
    journalRows: 0,
    journalMs: 0,
  }

  constructor(opts: StorageOptions) {
    this.opts = opts
    this.logger = opts.logger ?? silentLogger
    this.now = opts.now ?? Date.now
    this.database = databaseName(opts.service, opts.machineId)
    for (const e of opts.entities) {
      if (this.entities.has(e.table)) throw new StorageBadConfig(`two entities use table ${e.table}`)
      this.entities.set(e.table, e)
    }
    if ((opts.batchRows ?? 500) < 1) throw new StorageBadConfig('batchRows must be >= 1')
    const journal = {
      mode: opts.journal?.mode ?? 'write',
      syncIntervalMs: opts.journal?.syncIntervalMs ?? 100,
      segmentRecords: opts.journal?.segmentRecords ?? 65_536,
      alertBytes: opts.journal?.alertBytes ?? 64 * 1024 * 1024,
    }
    if (!['always', 'write', 'interval', 'off'].includes(journal.mode))
      throw new StorageBadConfig(`journal mode ${journal.mode}`)
    if (!(journal.syncIntervalMs > 0))
      throw new StorageBadConfig(`journal syncIntervalMs ${journal.syncIntervalMs}`)
    if (!(journal.segmentRecords >= 1))
      throw new StorageBadConfig(`journal segmentRecords ${journal.segmentRecords}`)
    this.dir = path.join(opts.dataDir, this.database)
    if (opts.timers) {
      this.timers = opts.timers
      this.stopTimers = () => {}
    } else {
      const own = ownScheduler()
      this.timers = own.timers
      this.stopTimers = own.stop
    }
    this.journal = new Journal(this.dir, journal, this.timers, (firing, size) =>
      this.journalAlert(firing, size, journal.alertBytes),
    )
    this.journaling = this.journal.mode !== 'off'
    this.quarantine = new Quarantine(path.join(this.dir, 'quarantine'), this.now, (e) => this.quarantined(e))
  }

  /**
   * Connect, create or verify the schema, replay the dump file and the
   * journal left by a previous run, then start the flush timer.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new StorageNotRunning(this.state)
    this.state = 'starting'
    try {
      mkdirSync(this.dir, { recursive: true })
      const single = (this.opts.mode ?? 'single') === 'single'
      this.db = await DbClient.open(
        { ...this.opts.db, url: this.opts.url, database: this.database, createDatabase: single },
        this.metrics,
        this.logger,
        this.timers,
      )
      await prepareSchema(this.db, [...this.entities.values()], single, this.logger)
      this.dump = new DumpFile(path.join(this.dir, 'dump.log'))
      this.errors = new ErrorDump(path.join(this.dir, 'errors.log'))
      this.writer = new BatchWriter(
        this.db,
        this.dump,
        this.errors,
        this.quarantine,
        this.logger,
        this.now,
        this.opts.writeDeadlineMs ?? 5000,
      )
      const t0 = performance.now()
      const dump = await this.writer.replayDump()
      this.replay.dumpMs = performance.now() - t0
      this.replay.dumpRecords = dump?.records ?? 0
      this.replay.dumpRows = (dump?.landed ?? 0) + (dump?.errored ?? 0)
      await this.replayJournal()
      this.journal.open()
      this.state = 'running'
      this.handles.push(
        this.timers.every(this.opts.flushIntervalMs ?? 1000, () => this.periodicFlush()),
        this.timers.every(this.opts.probeIntervalMs ?? 1000, () => this.probe()),
      )
    } catch (err) {
      await this.db?.close()
      await this.journal.close()
      await this.dump?.close()
      this.stopTimers()
      this.state = 'stopped'
      throw err
    }
  }

  /** Track a new row (every column dirty); it is written at the next flush. */
  create<C extends Columns>(entity: Entity<C>, init: RowInit<C>, opts?: { epoch?: number }): Row<C> {
    this.assertRunning()
    this.assertEntity(entity)
    const row = entity.build(init, opts?.epoch ?? this.opts.epoch ?? 0)
    const s = row[ROW_STATE]
    if (this.rows.has(s.id))
      throw new StorageBadValue(entity.name, entity.primaryKey.join(','), `row ${s.key} is already loaded`)
    this.rows.set(s.id, row)
    s.sink = this
    this.dirty.add(s)
    this.counts.dirtyMarks += s.dirtyCount
    if (this.journaling)
      this.journalChange(
        s,
        s.entity.columnNames.map((_c, i) => i),
      )
    return row
  }

  /**
   * The row with this primary key (a value, or an array for a composite
   * key), from memory or the database; undefined when it does not exist.
   * With an epoch > 0, first claims the row for that epoch in one atomic
   * UPDATE, so writes of any older owner are refused from then on; throws
   * STORAGE_STALE_EPOCH when a newer owner already holds it.
   */
  async load<C extends Columns>(
    entity: Entity<C>,
    key: unknown,
    opts?: { epoch?: number },
  ): Promise<Row<C> | undefined> {
    this.assertRunning()
    this.assertEntity(entity)
    const keyDb = this.keyToDb(entity, key)
    const id = rowId(entity.table, encodeKey(keyDb))
    const cached = this.rows.get(id)
    if (cached) return cached as Row<C>
    let p = this.loading.get(id)
    if (!p) {
      p = this.fetch(entity, keyDb, opts?.epoch ?? this.opts.epoch ?? 0).finally(() =>
        this.loading.delete(id),
      )
      this.loading.set(id, p)
    }
    const row = await p
    if (row && !this.rows.has(id)) {
      this.rows.set(id, row)
      rowState(row).sink = this
    }
    return (this.rows.get(id) ?? row) as Row<C> | undefined
  }

  /** Write every dirty row now. */
  flush(): Promise<FlushResult> {
    this.assertRunning(true)
    return this.lane.run(() => this.flushNow())
  }

  /**
   * Resolves once every change made before the call is in the journal file
   * and fdatasync'ed (at once in `always` mode, at the next journal sync in
   * `write` and `interval`). In `interval` mode a change counts as
   * acknowledged only after this; see docs/storage.md.
   */
  synced(): Promise<void> {
    return this.journal.synced()
  }

  /**
   * Write this row's pending changes and forget it (a player logging out).
   * Rejects with the row's error if the database refused it (stale epoch,
   * SQL error); the change is then in the error dump or superseded.
   */
  async unload(row: object): Promise<void> {
    this.assertRunning()
    const s = rowState(row)
    const out = await this.lane.run(async () => {
      this.dirty.delete(s)
      return this.writeStates([s])
    })
    if (this.rows.get(s.id) === row) this.rows.delete(s.id)
    s.sink = undefined
    const bad = out.rejected[0] ?? out.failed[0]
    if (bad) throw bad.error
  }

  /** Final flush, then close. Whatever cannot be written stays in the dump file for the next start. */
  async stop(): Promise<void> {
    if (this.state !== 'running') return
    this.state = 'stopping'
    for (const h of this.handles) this.timers.cancel(h)
    this.handles = []
    try {
      await this.lane.run(async () => {
        await this.flushNow()
        if (this.dump?.hasData) await this.writer?.replayDump()
      })
    } finally {
      await this.journal.close()
      // Everything journaled is now in the database or the dump file.
      if (this.dirty.size === 0) this.journal.removeThrough(Number.MAX_SAFE_INTEGER)
      await this.dump?.close()
      this.errors?.close()
      await this.db?.close()
      this.stopTimers()
      this.state = 'stopped'
    }
  }

  stats(): StorageStats {
    const j = this.journal.size()
    const totals = this.writer?.totals
    return {
      database: this.database,
      queries: this.metrics.snapshot(),
      dirtyMarks: this.counts.dirtyMarks,
      dirtyRows: this.dirty.size,
      loadedRows: this.rows.size,
      flushes: this.counts.flushes,
      rowsLanded: totals?.landed ?? 0,
      rowsDumped: totals?.dumped ?? 0,
      rowsErrored: totals?.errored ?? 0,
      rowsRejected: totals?.rejected ?? 0,
      rowsSuperseded: totals?.superseded ?? 0,
      packetSplits: totals?.packetSplits ?? 0,
      dumpPending: this.dump?.pending ?? 0,
      journalBytes: j.bytes,
      journalRecords: j.records,
      journalSegments: j.segments,
      quarantined: this.quarantine.count,
    }
  }

  /** The pool, for tools and tests that need raw SQL in this database. */
  get client(): DbClient {
    if (!this.db) throw new StorageNotRunning(this.state)
    return this.db
  }

  /** @internal ChangeSink: a tracked row changed a column. */
  onChange(s: RowState, col: number): void {
    this.counts.dirtyMarks++
    this.dirty.add(s)
    if (this.journaling) this.journalChange(s, [col])
  }

  private journalChange(s: RowState, cols: readonly number[]): void {
    this.journal.append(journalRecord(s, cols))
    if (this.journal.full) this.versionBarrier()
  }

  /**
   * Seal a full journal segment without a flush. Every dirty row skips a
   * version first, so its changes before the barrier (in the sealed segment)
   * and after it (in the next) carry different versions: replay can then
   * fold one segment at a time and still write each version whole.
   */
  private versionBarrier(): void {
    for (const s of this.dirty) s.version++
    this.journal.rotate()
  }

  private async flushNow(): Promise<FlushResult> {
    const sealed = this.journal.rotate()
    const states = [...this.dirty]
    this.dirty.clear()
    const out = await this.writeStates(states)
    // Every change of the sealed segments is now in the database, the dump
    // file or the error dump: the journal no longer needs them.
    this.journal.removeThrough(sealed)
    this.counts.flushes++
    return out
  }

  private async writeStates(states: RowState[]): Promise<FlushResult> {
    const writer = this.writer as BatchWriter
    const batches = takeDirty(states, this.opts.batchRows ?? 500)
    const out: FlushResult = { ...emptyOutcome(), batches: batches.length }
    for (const b of batches) mergeOutcome(out, await writer.write(b.spec, b.meta))
    for (const r of out.rejected) {
      // The row is no longer ours: refuse further changes and drop it, so a
      // later load reads the current owner's data. (The writer has logged
      // the refusal and put it in the error dump.)
      if (!r.state) continue
      r.state.fenced = r.error
      this.rows.delete(r.state.id)
    }
    return out
  }

  private async fetch(entity: Entity<Columns>, keyDb: unknown[], epoch: number): Promise<object | undefined> {
    const db = this.db as DbClient
    if (this.dump?.hasData) {
      // Older writes of this row may be waiting in the dump: reading the
      // database now could return stale data.
      const replayed = await this.lane.run(() => (this.writer as BatchWriter).replayDump())
      if (!replayed) throw new StorageUnavailable('writes are waiting in the dump file')
    }
    const where = keyInSql(entity.primaryKey, [keyDb])
    if (epoch > 0) {
      await db.query(
        `UPDATE ${q(entity.table)} SET ${q(EPOCH_COLUMN)} = ? WHERE ${where.sql} AND ${q(EPOCH_COLUMN)} < ?`,
        [epoch, ...where.params, epoch],
      )
    }
    const cols = [...entity.columnNames, VERSION_COLUMN, EPOCH_COLUMN].map(q).join(',')
    const rows = await db.query<RowDataPacket[]>(
      `SELECT ${cols} FROM ${q(entity.table)} WHERE ${where.sql}`,
      where.params,
    )
    const raw = rows[0]
    if (!raw) return undefined
    const rowEpoch = Number(raw[EPOCH_COLUMN])
    if (rowEpoch > epoch) throw new StorageStaleEpoch(entity.name, encodeKey(keyDb), epoch, rowEpoch)
    return entity.fromDb(raw, Number(raw[VERSION_COLUMN]), epoch)
  }

  /**
   * Replay the journal segments a previous run left, oldest first, each
   * streamed from disk and folded on its own (memory bounded by one
   * segment), then delete them: their rows are now in the database, the
   * dump file or the error dump.
   */
  private async replayJournal(): Promise<void> {
    const segments = this.journal.segments()
    if (segments.length === 0) return
    const t0 = performance.now()
    const pks = new Map([...this.entities.values()].map((e) => [e.table, e.primaryKey]))
    const writer = this.writer as BatchWriter
    const out = emptyOutcome()
    let records = 0
    for (const seg of segments) {
      const file = this.journal.segmentPath(seg)
      const fold = new JournalFold(pks)
      for (const f of readFrames(file, (r) => this.quarantine.keep(file, r.offset, r.length, r.reason))) {
        const bad = fold.add(f.payload.toString('utf8'))
        if (bad) this.quarantine.keep(file, f.offset, f.length, bad)
      }
      records += fold.records
      for (const spec of fold.specs(this.opts.batchRows ?? 500))
        mergeOutcome(out, await writer.write(spec, undefined))
      this.journal.removeThrough(seg)
    }
    const ms = performance.now() - t0
    this.replay = {
      ...this.replay,
      journalRecords: records,
      journalSegments: segments.length,
      journalRows: out.landed + out.superseded + out.rejected.length + out.dumped + out.errored,
      journalMs: ms,
    }
    this.logger.info(
      {
        records,
        segments: segments.length,
        rows: out.landed,
        superseded: out.superseded,
        rejected: out.rejected.length,
        dumped: out.dumped,
        errored: out.errored,
        ms: Math.round(ms),
        recordsPerSecond: Math.round(records / Math.max(ms / 1000, 1e-3)),
      },
      'storage: journal replayed',
    )
  }

  /** What the last start() replayed from the dump file and the journal. */
  get replayed(): StartupReplay {
    return { ...this.replay }
  }

  private quarantined(e: QuarantineEntry): void {
    this.logger.error(
      { file: e.source, offset: e.offset, length: e.length, reason: e.reason, keptAs: e.file },
      'storage: unreadable record moved to the quarantine',
    )
    this.alert({ kind: 'quarantine', database: this.database, ...e })
  }

  private journalAlert(firing: boolean, size: JournalSize, thresholdBytes: number): void {
    if (firing)
      this.logger.warn(
        { ...size, thresholdBytes },
        'storage: journal over its alert size (flushes are not keeping up; is the database away?)',
      )
    else this.logger.info({ ...size, thresholdBytes }, 'storage: journal back under its alert size')
    this.alert({ kind: 'journal-size', database: this.database, firing, ...size, thresholdBytes })
  }

  private alert(a: StorageAlert): void {
    try {
      this.opts.onAlert?.(a)
    } catch (err) {
      this.logger.error({ err, alert: a.kind }, 'storage: alert hook threw')
    }
  }

  private periodicFlush(): void {
    if (this.state !== 'running' || this.flushQueued || this.dirty.size === 0) return
    this.flushQueued = this.flush()
    this.flushQueued
      .catch((err: unknown) => this.logger.error({ err }, 'storage: periodic flush failed'))
      .finally(() => {
        this.flushQueued = undefined
      })
  }

  private probe(): void {
    if (this.state !== 'running' || this.probing || !this.dump?.hasData) return
    this.probing = true
    void (async () => {
      try {
        if (await this.db?.ping()) await this.lane.run(() => (this.writer as BatchWriter).replayDump())
      } catch (err) {
        this.logger.warn({ err }, 'storage: dump replay failed, will retry')
      } finally {
        this.probing = false
      }
    })()
  }

  private keyToDb(entity: Entity<Columns>, key: unknown): unknown[] {
    const values = entity.primaryKey.length === 1 ? [key] : (key as unknown[])
    if (!Array.isArray(values) || values.length !== entity.primaryKey.length)
      throw new StorageBadValue(
        entity.name,
        entity.primaryKey.join(','),
        'key does not match the primary key',
      )
    return entity.pkIndexes.map((ci, i) => {
      const c = entity.columnList[ci] as Column
      const bad = c.check(values[i])
      if (bad !== undefined) throw new StorageBadValue(entity.name, entity.columnNames[ci] as string, bad)
      return c.toDb(values[i])
    })
  }

  private assertEntity(entity: Entity<Columns>): void {
    if (this.entities.get(entity.table) !== entity)
      throw new StorageBadConfig(`entity ${entity.name} is not registered`)
  }

  private assertRunning(allowStopping = false): void {
    if (this.state === 'running' || (allowStopping && this.state === 'stopping')) return
    throw new StorageNotRunning(this.state)
  }
}
