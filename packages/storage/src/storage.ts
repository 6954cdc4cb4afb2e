import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { AlertSink } from './alert-sink.js'
import { DbClient } from './db/db-client.js'
import { QueryMetrics } from './db/query-metrics.js'
import { DumpFile } from './durability/dump-file.js'
import { ErrorDump } from './durability/error-dump.js'
import { Journal } from './durability/journal.js'
import { groupRecord, journalRecord } from './durability/journal-record.js'
import { Quarantine } from './durability/quarantine.js'
import { replayJournal } from './durability/replay-journal.js'
import type { ChangeSink, Columns, Entity, Row, RowInit, RowState } from './entity/index.js'
import { encodeKey, keyToDb, ROW_STATE, rowId, rowState } from './entity/index.js'
import {
  StorageBadConfig,
  StorageBadGroup,
  StorageBadValue,
  StorageGroupRefused,
  StorageNotRunning,
  StorageUnavailable,
} from './errors.js'
import { BatchWriter, emptyOutcome, mergeOutcome, type WriteOutcome } from './flush/batch-writer.js'
import { Lane } from './flush/lane.js'
import { type PlannedBatch, takeDirty } from './flush/take-dirty.js'
import { GroupScope } from './group/group-scope.js'
import type { StorageLogger } from './logger.js'
import { ownScheduler, type Scheduler, type TimerHandle } from './scheduler.js'
import { loadRow } from './sql/load-row.js'
import { prepareSchema } from './sql/prepare-schema.js'
import { databaseName } from './sql/schema.js'
import { type ResolvedStorageOptions, resolveOptions, type StorageOptions } from './storage-options.js'
import type { StartupReplay, StorageStats } from './storage-stats.js'

export type { StorageOptions } from './storage-options.js'
export type { StartupReplay, StorageStats } from './storage-stats.js'

export interface FlushResult extends WriteOutcome {
  /** Batches (statements before any split) sent or dumped. */
  batches: number
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
  private readonly opts: ResolvedStorageOptions
  private readonly logger: StorageLogger
  private readonly alerts: AlertSink
  private readonly entities = new Map<string, Entity<Columns>>()
  private readonly metrics = new QueryMetrics()
  private readonly lane = new Lane()
  private readonly rows = new Map<string, object>()
  private readonly loading = new Map<string, Promise<object | undefined>>()
  private readonly dirty = new Set<RowState>()
  /**
   * Rows a group tied together until their next write: each maps to the set
   * of rows that must be written with it in one transaction.
   */
  private readonly links = new Map<RowState, Set<RowState>>()
  /** The group whose body is running, if any. */
  private grouping: GroupScope | undefined
  private readonly journal: Journal
  private readonly journaling: boolean
  private readonly quarantine: Quarantine
  private readonly timers: Scheduler
  private readonly stopTimers: () => void
  private stopped: Promise<void> | undefined
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

  constructor(options: StorageOptions) {
    const opts = resolveOptions(options)
    this.opts = opts
    this.logger = opts.logger
    this.database = databaseName(opts.service, opts.machineId)
    for (const e of opts.entities) {
      if (this.entities.has(e.table)) throw new StorageBadConfig(`two entities use table ${e.table}`)
      this.entities.set(e.table, e)
    }
    this.dir = path.join(opts.dataDir, this.database)
    if (opts.timers) {
      this.timers = opts.timers
      this.stopTimers = () => {}
    } else {
      const own = ownScheduler()
      this.timers = own.timers
      this.stopTimers = own.stop
    }
    this.alerts = new AlertSink(this.database, this.logger, opts.onAlert)
    this.journal = new Journal(this.dir, opts.journal, this.timers, (firing, size) =>
      this.alerts.journalSize(firing, size, opts.journal.alertBytes),
    )
    this.journaling = this.journal.mode !== 'off'
    this.quarantine = new Quarantine(path.join(this.dir, 'quarantine'), opts.now, (e) =>
      this.alerts.quarantined(e),
    )
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
      const single = this.opts.mode === 'single'
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
        this.opts.now,
        this.opts.writeDeadlineMs,
        this.alerts,
      )
      const t0 = performance.now()
      const dump = await this.writer.replayDump()
      this.replay.dumpMs = performance.now() - t0
      this.replay.dumpRecords = dump?.records ?? 0
      this.replay.dumpRows = (dump?.landed ?? 0) + (dump?.errored ?? 0)
      this.alerts.replayed(
        'dump',
        this.replay.dumpRecords,
        this.replay.dumpRows,
        Math.round(this.replay.dumpMs),
      )
      await this.replayJournal()
      this.journal.open()
      this.state = 'running'
      this.handles.push(
        this.timers.every(this.opts.flushIntervalMs, () => this.periodicFlush()),
        this.timers.every(this.opts.probeIntervalMs, () => this.probe()),
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
    const row = entity.build(init, opts?.epoch ?? this.opts.epoch)
    const s = row[ROW_STATE]
    if (this.rows.has(s.id))
      throw new StorageBadValue(entity.name, entity.primaryKey.join(','), `row ${s.key} is already loaded`)
    const g = this.grouping
    if (g) for (let i = 0; i < s.dirty.length; i++) g.note(s, i, undefined, false, false, true)
    this.rows.set(s.id, row)
    s.sink = this
    this.dirty.add(s)
    this.counts.dirtyMarks += s.dirtyCount
    if (this.journaling && !g)
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
    const keyDb = keyToDb(entity, key)
    const id = rowId(entity.table, encodeKey(keyDb))
    const cached = this.rows.get(id)
    if (cached) return cached as Row<C>
    let p = this.loading.get(id)
    if (!p) {
      p = this.fetch(entity, keyDb, opts?.epoch ?? this.opts.epoch).finally(() => this.loading.delete(id))
      this.loading.set(id, p)
    }
    const row = await p
    if (row && !this.rows.has(id)) {
      this.rows.set(id, row)
      rowState(row).sink = this
    }
    return (this.rows.get(id) ?? row) as Row<C> | undefined
  }

  /**
   * Run `fn` (synchronous) as one unit: the changes it makes to rows of one
   * owner (same owner epoch; e.g. the player row and a feature's row of that
   * player) reach the journal as one record and the database in one
   * transaction, so a crash or a refusal at any point leaves all of them or
   * none. If `fn` throws, every change it made is undone (in memory too) and
   * the error is rethrown. A group inside a group joins the outer one.
   *
   * ```ts
   * storage.group(() => {
   *   timers.book = fired.book // the timer is no longer pending
   *   player.gold += 100n      // its effect, on another row
   * })
   * ```
   */
  group<T>(fn: () => T): T {
    this.assertRunning()
    if (this.grouping) return fn()
    const g = new GroupScope()
    this.grouping = g
    let result: T
    try {
      result = fn()
      if (typeof (result as { then?: unknown } | null)?.then === 'function')
        throw new StorageBadGroup('the body returned a promise: a group is synchronous (load the rows first)')
    } catch (err) {
      this.grouping = undefined
      this.undoGroup(g)
      throw err
    } finally {
      this.grouping = undefined
    }
    this.endGroup(g)
    return result
  }

  private undoGroup(g: GroupScope): void {
    const { clean, created } = g.undo()
    for (const s of clean) this.dirty.delete(s)
    for (const s of created) {
      this.dirty.delete(s)
      this.rows.delete(s.id)
      s.sink = undefined
    }
  }

  /** One journal record for the whole group; tie its rows for the next write. */
  private endGroup(g: GroupScope): void {
    const changes = g.changes()
    if (changes.length === 0) return
    if (this.journaling) {
      const recs = changes.map(([s, cols]) => journalRecord(s, cols))
      this.journal.append(recs.length === 1 ? (recs[0] as string) : groupRecord(recs))
      if (this.journal.full) this.versionBarrier()
    }
    if (changes.length < 2) return
    const tied = new Set<RowState>()
    for (const [s] of changes) {
      for (const x of this.links.get(s) ?? []) tied.add(x)
      tied.add(s)
    }
    for (const s of tied) this.links.set(s, tied)
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

  /**
   * Final flush, then close. Whatever cannot be written stays in the dump
   * file for the next start. Every caller gets the same promise.
   */
  stop(): Promise<void> {
    this.stopped ??= this.close()
    return this.stopped
  }

  private async close(): Promise<void> {
    if (this.state === 'new') {
      this.stopTimers()
      this.state = 'stopped'
      return
    }
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
  onChange(s: RowState, col: number, _value: unknown, old: unknown, wasDirty: boolean): void {
    this.counts.dirtyMarks++
    const g = this.grouping
    if (g) {
      const wasPending = this.dirty.has(s)
      this.dirty.add(s)
      // Journaled at the end of the group, as one record.
      g.note(s, col, old, wasDirty, wasPending)
      return
    }
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
    const loose: RowState[] = []
    const tied = new Set<Set<RowState>>()
    for (const s of states) {
      const l = this.links.get(s)
      if (l) tied.add(l)
      else loose.push(s)
    }
    // Take every row's changes now, before the first await: a change made
    // while the writes run belongs to the next flush.
    const batches = takeDirty(loose, this.opts.batchRows)
    const groups: PlannedBatch[][] = []
    for (const set of tied) {
      for (const s of set) {
        this.links.delete(s)
        this.dirty.delete(s)
      }
      const gone = [...set].find((s) => s.fenced)?.fenced
      if (gone) {
        this.fenceGroup(set, gone)
        continue
      }
      const planned = takeDirty(set, Number.MAX_SAFE_INTEGER)
      if (planned.length > 0) groups.push(planned)
    }
    const out: FlushResult = { ...emptyOutcome(), batches: batches.length + groups.length }
    for (const b of batches) mergeOutcome(out, await writer.write(b.spec, b.meta))
    if (groups.length > 0)
      mergeOutcome(
        out,
        await writer.writeGroups(
          groups.map((g) => ({ specs: g.map((b) => b.spec), metas: g.map((b) => b.meta) })),
          this.opts.batchRows,
        ),
      )
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

  /**
   * A row of a group was refused before (no longer ours): the group's
   * changes cannot land whole, so none of its rows is written. They are
   * dropped, so the next load reads what the database holds.
   */
  private fenceGroup(set: Set<RowState>, cause: Error): void {
    for (const s of set) {
      if (!s.fenced) s.fenced = new StorageGroupRefused(s.entity.name, s.key, cause.message)
      this.rows.delete(s.id)
    }
    this.logger.error(
      { rows: [...set].map((s) => s.id), err: cause.message },
      'storage: a row of a group is no longer ours, the group is not written',
    )
  }

  private async fetch(entity: Entity<Columns>, keyDb: unknown[], epoch: number): Promise<object | undefined> {
    if (this.dump?.hasData) {
      // Older writes of this row may be waiting in the dump: reading the
      // database now could return stale data.
      const replayed = await this.lane.run(() => (this.writer as BatchWriter).replayDump())
      if (!replayed) throw new StorageUnavailable('writes are waiting in the dump file')
    }
    return loadRow(this.db as DbClient, entity, keyDb, epoch, this.opts.readDeadlineMs)
  }

  /** Replay what the previous run left in the journal (logged with how much and how fast). */
  private async replayJournal(): Promise<void> {
    if (this.journal.segments().length === 0) return
    const pks = new Map([...this.entities.values()].map((e) => [e.table, e.primaryKey]))
    const r = await replayJournal(this.journal, pks, this.writer as BatchWriter, this.quarantine, {
      batchRows: this.opts.batchRows,
      logger: this.logger,
    })
    this.replay = {
      ...this.replay,
      journalRecords: r.records,
      journalSegments: r.segments,
      journalRows: r.rows,
      journalMs: r.ms,
    }
    this.alerts.replayed('journal', r.records, r.rows, Math.round(r.ms))
  }

  /** What the last start() replayed from the dump file and the journal. */
  get replayed(): StartupReplay {
    return { ...this.replay }
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

  private assertEntity(entity: Entity<Columns>): void {
    if (this.entities.get(entity.table) !== entity)
      throw new StorageBadConfig(`entity ${entity.name} is not registered`)
  }

  private assertRunning(allowStopping = false): void {
    if (this.state === 'running' || (allowStopping && this.state === 'stopping')) return
    throw new StorageNotRunning(this.state)
  }
}
