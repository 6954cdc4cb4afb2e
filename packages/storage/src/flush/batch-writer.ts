import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import type { AlertSink } from '../alert-sink.js'
import type { DbClient, TxQuery } from '../db/db-client.js'
import { errorInfo } from '../db/db-errors.js'
import type { DumpFile } from '../durability/dump-file.js'
import type { ErrorDump } from '../durability/error-dump.js'
import type { Quarantine } from '../durability/quarantine.js'
import type { RowState } from '../entity/index.js'
import { EPOCH_COLUMN, encodeKey, VERSION_COLUMN } from '../entity/index.js'
import {
  StorageGroupRefused,
  StorageQueueFull,
  StorageSqlError,
  StorageStaleEpoch,
  StorageUnavailable,
  StorageVersionConflict,
} from '../errors.js'
import type { StorageLogger } from '../logger.js'
import { readBackSql, SAME } from '../sql/read-back.js'
import { refusedCount, type UpsertSpec, upsertSql } from '../sql/upsert.js'

/** What the writer knows about one row of a spec it writes for a live row. */
export interface RowMeta {
  state: RowState
  version: number
  epoch: number
}

export interface WriteOutcome {
  landed: number
  dumped: number
  errored: number
  /** Replayed rows the database already held at a newer version of the same owner: nothing lost. */
  superseded: number
  /**
   * Rows the database refused because of their epoch or version (now in the
   * error dump and the log). `state` is set for a live row, not for a replayed one.
   */
  rejected: { state?: RowState; error: Error; row?: unknown[] }[]
  /** Rows whose statement failed with an SQL error (now in the error dump). */
  failed: { state: RowState; error: Error }[]
}

/** Rows by fate since start, every path (live flush, unload, journal and dump replay). */
export interface WriteTotals {
  landed: number
  dumped: number
  errored: number
  superseded: number
  rejected: number
  /** Batches split because they were over the server's max_allowed_packet. */
  packetSplits: number
}

/** What one replay of the dump file did. */
export interface DumpReplay extends WriteOutcome {
  records: number
}

export const emptyOutcome = (): WriteOutcome => ({
  landed: 0,
  dumped: 0,
  errored: 0,
  superseded: 0,
  rejected: [],
  failed: [],
})

export function mergeOutcome(into: WriteOutcome, o: WriteOutcome): void {
  into.landed += o.landed
  into.dumped += o.dumped
  into.errored += o.errored
  into.superseded += o.superseded
  for (const r of o.rejected) into.rejected.push(r)
  for (const f of o.failed) into.failed.push(f)
}

/**
 * Sends upsert batches and decides each one's fate: landed, dumped (the
 * database is away: the dump file keeps it until it is back) or error-dumped
 * (the database refused the statement: the batch is split until the bad rows
 * are alone, so the rest still lands). Not reentrant: the storage calls it
 * from one lane, which keeps dump order equal to write order.
 */
export class BatchWriter {
  readonly totals: WriteTotals = {
    landed: 0,
    dumped: 0,
    errored: 0,
    superseded: 0,
    rejected: 0,
    packetSplits: 0,
  }

  constructor(
    private readonly db: DbClient,
    private readonly dump: DumpFile,
    private readonly errors: ErrorDump,
    private readonly quarantine: Quarantine,
    private readonly logger: StorageLogger,
    private readonly now: () => number,
    /** Per batch, retries included: past it the database counts as away (see StorageOptions.writeDeadlineMs). */
    private readonly deadlineMs: number,
    private readonly alerts?: AlertSink,
  ) {}

  /** Write one batch. While the dump file has records, new batches queue behind them there. */
  async write(spec: UpsertSpec, meta: readonly RowMeta[] | undefined): Promise<WriteOutcome> {
    const out = this.dump.pending > 0 ? this.toDump(spec) : await this.send(spec, meta, true)
    this.count(out)
    return out
  }

  /**
   * Write the batches of one group (storage.group) in one transaction: every
   * row lands, or none does. A row the fence refuses (stale epoch, version
   * conflict) or an SQL error rolls the whole group back; every row of it
   * then goes to the error dump, the refused one with its own error, the
   * others with STORAGE_GROUP_REFUSED. When the database is away the group
   * goes to the dump file as one record, replayed the same way.
   */
  async writeGroup(specs: UpsertSpec[], metas: (readonly RowMeta[])[] | undefined): Promise<WriteOutcome> {
    const out = this.dump.pending > 0 ? this.toDumpGroup(specs) : await this.sendGroup(specs, metas, true)
    this.count(out)
    return out
  }

  /**
   * Write many groups (a flush, a journal replay). Optimistic: the groups of
   * about `batchRows` rows share one transaction, their rows batched as a
   * plain flush batches them (one upsert per table and column set), so a
   * thousand fired timers cost a few statements and one commit, not a
   * thousand. When the fence refuses a row or a statement fails, that
   * transaction rolls back and each of its groups is written again in a
   * transaction of its own, so only the bad group is refused.
   */
  async writeGroups(groups: readonly GroupWrite[], batchRows: number): Promise<WriteOutcome> {
    const out = emptyOutcome()
    let chunk: GroupWrite[] = []
    let rows = 0
    for (const g of groups) {
      chunk.push(g)
      rows += countRows(g.specs)
      if (rows >= batchRows) {
        mergeOutcome(out, await this.writeChunk(chunk, batchRows))
        chunk = []
        rows = 0
      }
    }
    if (chunk.length > 0) mergeOutcome(out, await this.writeChunk(chunk, batchRows))
    return out
  }

  private async writeChunk(chunk: GroupWrite[], batchRows: number): Promise<WriteOutcome> {
    const one = async () => {
      const out = emptyOutcome()
      for (const g of chunk) mergeOutcome(out, await this.writeGroup(g.specs, g.metas))
      return out
    }
    if (chunk.length === 1 || this.dump.pending > 0) return one()
    const merged = mergeGroups(chunk, batchRows)
    try {
      const out = await this.db.transaction(async (q) => {
        const o = emptyOutcome()
        for (const b of merged) {
          const { sql, params } = upsertSql(b.spec)
          const res = await q<ResultSetHeader>(sql, params)
          mergeOutcome(o, await this.verify(b.spec, b.meta, res, q, true))
          if (o.rejected.length > 0) throw new GroupRefusal(o)
        }
        return o
      }, this.deadlineMs)
      for (const g of chunk) if (g.metas) for (const m of g.metas.flat()) m.state.persisted = true
      this.count(out)
      return out
    } catch (err) {
      // Database away: every group waits in the dump file as its own record.
      if (StorageUnavailable.is(err) || StorageQueueFull.is(err)) {
        this.logger.warn(
          { groups: chunk.length, err: errorInfo(err) },
          'storage: group writes failed after retries, dumped',
        )
        const out = emptyOutcome()
        for (const g of chunk) mergeOutcome(out, this.toDumpGroup(g.specs))
        this.count(out)
        return out
      }
      // A refusal or an SQL error somewhere: find which group, one at a time.
      return one()
    }
  }

  private async sendGroup(
    specs: UpsertSpec[],
    metas: (readonly RowMeta[])[] | undefined,
    mayDump: boolean,
  ): Promise<WriteOutcome> {
    let out: WriteOutcome
    try {
      out = await this.db.transaction(async (q) => {
        const o = emptyOutcome()
        for (const [i, spec] of specs.entries()) {
          const { sql, params } = upsertSql(spec)
          const res = await q<ResultSetHeader>(sql, params)
          mergeOutcome(o, await this.verify(spec, metas?.[i], res, q, true))
          // One refusal rolls back the group (the transaction rethrows it).
          if (o.rejected.length > 0) throw new GroupRefusal(o)
        }
        return o
      }, this.deadlineMs)
    } catch (err) {
      if (err instanceof GroupRefusal) return this.refuseGroup(specs, metas, err.outcome)
      if (StorageUnavailable.is(err) || StorageQueueFull.is(err)) {
        const rows = countRows(specs)
        if (!mayDump) return { ...emptyOutcome(), dumped: rows }
        this.logger.warn(
          { tables: specs.map((s) => s.table), rows, err: errorInfo(err) },
          'storage: group write failed after retries, dumped',
        )
        return this.toDumpGroup(specs)
      }
      return this.failGroup(specs, metas, err)
    }
    if (metas) for (const m of metas.flat()) m.state.persisted = true
    return out
  }

  private toDumpGroup(specs: UpsertSpec[]): WriteOutcome {
    const first = !this.dump.hasData
    const rows = countRows(specs)
    this.dump.appendGroup(specs, this.now())
    if (first) this.alerts?.dump(true, this.totals.dumped + rows)
    return { ...emptyOutcome(), dumped: rows }
  }

  /** The fence refused a row of a rolled-back group: every row of it to the error dump. */
  private refuseGroup(
    specs: UpsertSpec[],
    metas: (readonly RowMeta[])[] | undefined,
    partial: WriteOutcome,
  ): WriteOutcome {
    const first = partial.rejected[0] as { error: Error }
    const out = emptyOutcome()
    specs.forEach((spec, i) => {
      spec.rows.forEach((row, j) => {
        const m = metas?.[i]?.[j]
        const own = partial.rejected.find((r) => r.row === row)
        const error =
          own?.error ??
          new StorageGroupRefused(
            m?.state.entity.name ?? spec.table,
            m?.state.key ?? encodeKey(row.slice(0, spec.primaryKey.length)),
            first.error.message,
          )
        this.refuse(spec, row, error, m === undefined)
        out.rejected.push({ state: m?.state, error })
      })
    })
    return out
  }

  /** An SQL error in a group: rolled back, every row of it to the error dump. */
  private failGroup(
    specs: UpsertSpec[],
    metas: (readonly RowMeta[])[] | undefined,
    err: unknown,
  ): WriteOutcome {
    const info = errorInfo(err)
    const out = emptyOutcome()
    specs.forEach((spec, i) => {
      spec.rows.forEach((row, j) => {
        const one = upsertSql({ ...spec, rows: [row] })
        this.errors.append(spec.table, one.sql, one.params, info, this.now())
        out.errored++
        const m = metas?.[i]?.[j]
        if (m)
          out.failed.push({
            state: m.state,
            error: StorageSqlError.with({ cause: err, details: info }, spec.table, info.message as string),
          })
      })
    })
    this.logger.error(
      { tables: specs.map((s) => s.table), rows: out.errored, err: info, file: this.errors.path },
      'storage: group write failed with an SQL error, rolled back, every row written to the error dump',
    )
    this.alerts?.sqlError(specs[0]?.table ?? '', String(info.message), this.errors.path)
    return out
  }

  private count(o: WriteOutcome): void {
    const t = this.totals
    t.landed += o.landed
    t.dumped += o.dumped
    t.errored += o.errored
    t.superseded += o.superseded
    t.rejected += o.rejected.length
  }

  /**
   * Replay the dump file in order, streaming it record by record. Returns
   * what was replayed when the file is empty afterwards; undefined when the
   * database went away again (the rest stays for the next try, and replay
   * is idempotent).
   */
  async replayDump(): Promise<DumpReplay | undefined> {
    const done: DumpReplay = { records: 0, ...emptyOutcome() }
    if (!this.dump.hasData) return done
    const t0 = performance.now()
    for (const e of this.dump.entries(this.quarantine)) {
      const o = e.group
        ? await this.sendGroup(e.group, undefined, false)
        : await this.send(e.spec, undefined, false)
      if (o.dumped > 0) return undefined
      this.count(o)
      this.dump.replayed(e.end)
      done.records++
      mergeOutcome(done, o)
    }
    this.dump.clear()
    this.alerts?.dump(false, this.totals.dumped)
    this.logReplayRefusals('dump file', done.rejected)
    this.logger.info(
      {
        records: done.records,
        rows: done.landed,
        superseded: done.superseded,
        rejected: done.rejected.length,
        errored: done.errored,
        ms: Math.round(performance.now() - t0),
      },
      'storage: dump file replayed',
    )
    return done
  }

  private toDump(spec: UpsertSpec): WriteOutcome {
    const first = !this.dump.hasData
    this.dump.append(spec, this.now())
    if (first) this.alerts?.dump(true, this.totals.dumped + spec.rows.length)
    return { ...emptyOutcome(), dumped: spec.rows.length }
  }

  private async send(
    spec: UpsertSpec,
    meta: readonly RowMeta[] | undefined,
    mayDump: boolean,
  ): Promise<WriteOutcome> {
    const { sql, params } = upsertSql(spec)
    let res: ResultSetHeader
    try {
      res = await this.db.query<ResultSetHeader>(sql, params, true, this.deadlineMs)
    } catch (err) {
      if (StorageUnavailable.is(err) || StorageQueueFull.is(err)) {
        if (!mayDump) return { ...emptyOutcome(), dumped: spec.rows.length }
        this.logger.warn(
          { table: spec.table, rows: spec.rows.length, err: errorInfo(err) },
          'storage: write failed after retries, dumped',
        )
        return this.toDump(spec)
      }
      return this.splitOnError(spec, meta, mayDump, sql, params, err)
    }
    try {
      return await this.verify(spec, meta, res)
    } catch (err) {
      // The upsert went through but reading back failed: the outcome per row
      // is unknown, so keep the batch in the dump (replaying it is harmless);
      // a replay stops here and keeps its record.
      if (!(StorageUnavailable.is(err) || StorageQueueFull.is(err))) throw err
      return mayDump ? this.toDump(spec) : { ...emptyOutcome(), dumped: spec.rows.length }
    }
  }

  /** Halve the batch until each bad row is alone; a lone bad row goes to the error dump. */
  private async splitOnError(
    spec: UpsertSpec,
    meta: readonly RowMeta[] | undefined,
    mayDump: boolean,
    sql: string,
    params: unknown[],
    err: unknown,
  ): Promise<WriteOutcome> {
    if (spec.rows.length > 1) {
      if (isPacketTooLarge(err)) this.packetSplit(spec)
      const mid = spec.rows.length >> 1
      const out = emptyOutcome()
      mergeOutcome(
        out,
        await this.send({ ...spec, rows: spec.rows.slice(0, mid) }, meta?.slice(0, mid), mayDump),
      )
      mergeOutcome(out, await this.send({ ...spec, rows: spec.rows.slice(mid) }, meta?.slice(mid), mayDump))
      return out
    }
    const info = errorInfo(err)
    const rec = this.errors.append(spec.table, sql, params, info, this.now())
    this.logger.error(
      { table: spec.table, err: info, sql: rec.sql, file: this.errors.path },
      'storage: statement failed, written to the error dump',
    )
    this.alerts?.sqlError(spec.table, String(info.message), this.errors.path)
    const out = { ...emptyOutcome(), errored: 1 }
    const m = meta?.[0]
    if (m)
      out.failed.push({
        state: m.state,
        error: StorageSqlError.with({ cause: err, details: info }, spec.table, info.message as string),
      })
    return out
  }

  /**
   * affectedRows is 1 per inserted row, 2 per updated row and 0 per row the
   * fence kept (FOUND_ROWS is off). For live rows, when the sum is what their
   * known state predicts, all landed. Otherwise (and for replayed rows, whose
   * state is unknown) the server's info line ("Records: n  Duplicates: d",
   * d = rows updated) gives the refused count exactly; only when some row was refused (or the count is unknown) are the
   * rows read back (see readBackSql) and judged one by one.
   */
  private async verify(
    spec: UpsertSpec,
    meta: readonly RowMeta[] | undefined,
    res: ResultSetHeader,
    query: TxQuery = (sql, params) => this.db.query(sql, params, true, this.deadlineMs),
    /** Inside a group's transaction: nothing counts as persisted or refused before it ends. */
    inGroup = false,
  ): Promise<WriteOutcome> {
    const n = spec.rows.length
    const affected = res.affectedRows
    let expected = -1
    if (meta) {
      expected = 0
      for (const m of meta) expected += m.state.persisted ? 2 : 1
    }
    // The refused count decides when the server gives it: a sum that only
    // matches the prediction (a refused row offset by an unexpected update)
    // must not pass for "all landed".
    const refused = refusedCount(n, affected, res.info)
    if (refused === 0 || (refused === undefined && affected === expected)) {
      if (meta && !inGroup) for (const m of meta) m.state.persisted = true
      return { ...emptyOutcome(), landed: n }
    }
    const rb = readBackSql(spec)
    const rows = await query<RowDataPacket[]>(rb.sql, rb.params)
    const pkCount = spec.primaryKey.length
    const found = new Map<string, { version: number; epoch: number; same: boolean }>()
    for (const r of rows) {
      found.set(spec.primaryKey.map((k) => String(r[k])).join('\u0000'), {
        version: Number(r[VERSION_COLUMN]),
        epoch: Number(r[EPOCH_COLUMN]),
        same: Number(r[SAME]) === 1,
      })
    }
    const out = emptyOutcome()
    spec.rows.forEach((row, i) => {
      const m = meta?.[i]
      const version = Number(row[row.length - 2])
      const epoch = Number(row[row.length - 1])
      const db = found.get(row.slice(0, pkCount).map(String).join('\u0000'))
      if (db?.same) {
        if (m && !inGroup) m.state.persisted = true
        out.landed++
        return
      }
      if (!m && db && db.epoch === epoch && db.version > version) {
        // A replayed write the same owner has since overwritten with a newer version.
        out.superseded++
        return
      }
      const entity = m?.state.entity.name ?? spec.table
      const key = m?.state.key ?? encodeKey(row.slice(0, pkCount))
      const error =
        db && db.epoch > epoch
          ? new StorageStaleEpoch(entity, key, epoch, db.epoch)
          : new StorageVersionConflict(entity, key, version, db?.version ?? -1)
      if (inGroup) out.rejected.push({ state: m?.state, error, row })
      else {
        this.refuse(spec, row, error, m === undefined)
        out.rejected.push({ state: m?.state, error })
      }
    })
    return out
  }

  /**
   * A row the fence refused: into the error dump and the log, never silent.
   * A replayed row (journal or dump file) is logged once per replay, in its
   * summary ({@link logReplayRefusals}): after a crash, a journal can hold
   * many writes of owners since superseded, and one line each buries the log.
   */
  private refuse(spec: UpsertSpec, row: unknown[], error: Error, replayed: boolean): void {
    const one = upsertSql({ ...spec, rows: [row] })
    const info = { code: (error as { code?: string }).code, message: error.message }
    const rec = this.errors.append(spec.table, one.sql, one.params, info, this.now())
    if (replayed) return
    this.logger.error(
      { table: spec.table, err: info, sql: rec.sql, file: this.errors.path },
      'storage: write refused by the database (stale owner or version conflict), written to the error dump',
    )
  }

  /** One line for every row a replay had refused (by code), pointing at the error dump. */
  logReplayRefusals(what: 'journal' | 'dump file', rejected: WriteOutcome['rejected']): void {
    if (rejected.length === 0) return
    const codes: Record<string, number> = {}
    for (const r of rejected) {
      const c = (r.error as { code?: string }).code ?? 'UNKNOWN'
      codes[c] = (codes[c] ?? 0) + 1
    }
    this.logger.error(
      { what, rows: rejected.length, codes, first: rejected[0]?.error.message, file: this.errors.path },
      'storage: replayed writes refused by the database (a newer owner holds the rows, or a version conflict), written to the error dump',
    )
  }

  private packetSplit(spec: UpsertSpec): void {
    if (this.totals.packetSplits++ === 0)
      this.logger.warn(
        { table: spec.table, rows: spec.rows.length },
        'storage: batch over max_allowed_packet, split in halves (logged once; see stats packetSplits; lower batchRows or raise max_allowed_packet)',
      )
  }
}

/** The batches of one group, and for a live flush what the writer knows of each row. */
export interface GroupWrite {
  specs: UpsertSpec[]
  metas?: (readonly RowMeta[])[]
}

/** The rows of several groups batched by table and column set (`batchRows` per upsert). */
function mergeGroups(
  groups: readonly GroupWrite[],
  batchRows: number,
): { spec: UpsertSpec; meta?: RowMeta[] }[] {
  const open = new Map<string, { spec: UpsertSpec; meta?: RowMeta[] }>()
  const out: { spec: UpsertSpec; meta?: RowMeta[] }[] = []
  for (const g of groups) {
    g.specs.forEach((spec, i) => {
      const sig = `${spec.table}\u0000${spec.columns.join(',')}`
      const metas = g.metas?.[i]
      spec.rows.forEach((row, j) => {
        let b = open.get(sig)
        if (!b || b.spec.rows.length >= batchRows) {
          b = { spec: { ...spec, rows: [] }, meta: metas ? [] : undefined }
          open.set(sig, b)
          out.push(b)
        }
        b.spec.rows.push(row)
        const m = metas?.[j]
        if (m) b.meta?.push(m)
      })
    })
  }
  return out
}

/** Thrown inside a group's transaction to roll it back when the fence refused a row. */
class GroupRefusal extends Error {
  constructor(readonly outcome: WriteOutcome) {
    super('a row of the group was refused')
  }
}

function countRows(specs: readonly UpsertSpec[]): number {
  let n = 0
  for (const s of specs) n += s.rows.length
  return n
}

/** The server refused a statement longer than its max_allowed_packet. */
function isPacketTooLarge(err: unknown): boolean {
  const e = err as { code?: string; errno?: number } | null
  return e?.code === 'ER_NET_PACKET_TOO_LARGE' || e?.errno === 1153
}
