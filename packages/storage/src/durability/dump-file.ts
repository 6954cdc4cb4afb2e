import { existsSync, statSync } from 'node:fs'
import { decodeValue, encodeValue } from '../entity/index.js'
import type { UpsertSpec } from '../sql/upsert.js'
import { RecordFile, readRecords } from './record-file.js'

/**
 * Writes that could not reach the database after the retries, as data
 * (table, columns, rows with version and epoch). Each record is checksummed
 * and fdatasync'ed before the write counts as done. Replayed in order at the
 * next start and as soon as the database answers again; replay is safe to
 * repeat because every record is a fenced, versioned upsert.
 */
export class DumpFile {
  private file: RecordFile
  private count: number

  constructor(readonly path: string) {
    this.count = existsSync(path) && statSync(path).size > 0 ? readRecords(path).records.length : 0
    this.file = new RecordFile(path)
  }

  /** Records waiting to be replayed. */
  get pending(): number {
    return this.count
  }

  append(spec: UpsertSpec, now: number): void {
    this.file.append([encodeValue({ at: now, ...spec })], true)
    this.count++
  }

  read(): { specs: UpsertSpec[]; badTailBytes: number } {
    const r = readRecords(this.path)
    const specs = r.records.map((s) => {
      const o = decodeValue(s) as UpsertSpec & { at?: number }
      return { table: o.table, primaryKey: o.primaryKey, columns: o.columns, rows: o.rows }
    })
    return { specs, badTailBytes: r.badTailBytes }
  }

  /** Everything replayed: start empty. */
  clear(): void {
    this.file.truncate()
    this.count = 0
  }

  close(): void {
    this.file.close()
  }
}
