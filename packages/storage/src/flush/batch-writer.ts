import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import type { DbClient } from '../db/db-client.js'
import { errorInfo } from '../db/db-errors.js'
import type { DumpFile } from '../durability/dump-file.js'
import type { ErrorDump } from '../durability/error-dump.js'
import type { Quarantine } from '../durability/quarantine.js'
import type { RowState } from '../entity/index.js'
import { EPOCH_COLUMN, VERSION_COLUMN } from '../entity/index.js'
import {
  StorageQueueFull,
  StorageSqlError,
  StorageStaleEpoch,
  StorageUnavailable,
  StorageVersionConflict,
} from '../errors.js'
import type { StorageLogger } from '../logger.js'
import { keyInSql, q, type UpsertSpec, upsertSql } from '../sql/upsert.js'

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
  /** Rows the database refused because of their epoch or version. */
  rejected: { state: RowState; error: Error }[]
  /** Rows whose statement failed with an SQL error (now in the error dump). */
  failed: { state: RowState; error: Error }[]
}

/** What one replay of the dump file did. */
export interface DumpReplay extends WriteOutcome {
  records: number
}

export const emptyOutcome = (): WriteOutcome => ({
  landed: 0,
  dumped: 0,
  errored: 0,
  rejected: [],
  failed: [],
})

export function mergeOutcome(into: WriteOutcome, o: WriteOutcome): void {
  into.landed += o.landed
  into.dumped += o.dumped
  into.errored += o.errored
  into.rejected.push(...o.rejected)
  into.failed.push(...o.failed)
}

/**
 * Sends upsert batches and decides each one's fate: landed, dumped (the
 * database is away: the dump file keeps it until it is back) or error-dumped
 * (the database refused the statement: the batch is split until the bad rows
 * are alone, so the rest still lands). Not reentrant: the storage calls it
 * from one lane, which keeps dump order equal to write order.
 */
export class BatchWriter {
  constructor(
    private readonly db: DbClient,
    private readonly dump: DumpFile,
    private readonly errors: ErrorDump,
    private readonly quarantine: Quarantine,
    private readonly logger: StorageLogger,
    private readonly now: () => number,
    /** Per batch, retries included: past it the database counts as away (see StorageOptions.writeDeadlineMs). */
    private readonly deadlineMs: number,
  ) {}

  /** Write one batch. While the dump file has records, new batches queue behind them there. */
  async write(spec: UpsertSpec, meta: readonly RowMeta[] | undefined): Promise<WriteOutcome> {
    if (this.dump.pending > 0) return this.toDump(spec)
    return this.send(spec, meta, true)
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
      const o = await this.send(e.spec, undefined, false)
      if (o.dumped > 0) return undefined
      this.dump.replayed(e.end)
      done.records++
      mergeOutcome(done, o)
    }
    this.dump.clear()
    this.logger.info(
      {
        records: done.records,
        rows: done.landed,
        errored: done.errored,
        ms: Math.round(performance.now() - t0),
      },
      'storage: dump file replayed',
    )
    return done
  }

  private toDump(spec: UpsertSpec): WriteOutcome {
    this.dump.append(spec, this.now())
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
    if (!meta) return { ...emptyOutcome(), landed: spec.rows.length }
    try {
      return await this.verify(spec, meta, res.affectedRows)
    } catch (err) {
      // The upsert went through but reading back failed: the outcome per row
      // is unknown, so keep the batch in the dump (replaying it is harmless).
      if (!mayDump || !(StorageUnavailable.is(err) || StorageQueueFull.is(err))) throw err
      return this.toDump(spec)
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
   * fence kept (FOUND_ROWS is off). When the sum is what the rows' known
   * state predicts, all landed; otherwise read the rows' (version, epoch)
   * back to find which were refused and why.
   */
  private async verify(spec: UpsertSpec, meta: readonly RowMeta[], affected: number): Promise<WriteOutcome> {
    let expected = 0
    for (const m of meta) expected += m.state.persisted ? 2 : 1
    if (affected === expected) {
      for (const m of meta) m.state.persisted = true
      return { ...emptyOutcome(), landed: meta.length }
    }
    const pkCount = spec.primaryKey.length
    const keys = spec.rows.map((r) => r.slice(0, pkCount))
    const where = keyInSql(spec.primaryKey, keys)
    const rows = await this.db.query<RowDataPacket[]>(
      `SELECT ${[...spec.primaryKey, VERSION_COLUMN, EPOCH_COLUMN].map(q).join(',')} FROM ${q(spec.table)} WHERE ${where.sql}`,
      where.params,
      true,
      this.deadlineMs,
    )
    const found = new Map<string, { version: number; epoch: number }>()
    for (const r of rows) {
      found.set(spec.primaryKey.map((k) => String(r[k])).join('\u0000'), {
        version: Number(r[VERSION_COLUMN]),
        epoch: Number(r[EPOCH_COLUMN]),
      })
    }
    const out = emptyOutcome()
    meta.forEach((m, i) => {
      const key = (keys[i] as unknown[]).map(String).join('\u0000')
      const db = found.get(key)
      const entity = m.state.entity.name
      if (db && db.epoch === m.epoch && db.version === m.version) {
        m.state.persisted = true
        out.landed++
      } else if (db && db.epoch > m.epoch) {
        out.rejected.push({
          state: m.state,
          error: new StorageStaleEpoch(entity, m.state.key, m.epoch, db.epoch),
        })
      } else {
        out.rejected.push({
          state: m.state,
          error: new StorageVersionConflict(entity, m.state.key, m.version, db?.version ?? -1),
        })
      }
    })
    return out
  }
}
