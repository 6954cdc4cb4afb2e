import { statSync } from 'node:fs'
import { decodeValue, encodeValue } from '../entity/index.js'
import type { UpsertSpec } from '../sql/upsert.js'
import type { Quarantine } from './quarantine.js'
import { RecordFile } from './record-file.js'
import { readFrames } from './record-reader.js'

/**
 * One dump record ready to replay, and where it ends in the file: one batch,
 * or the batches of one group (storage.group), replayed in one transaction.
 */
export type DumpEntry =
  | { spec: UpsertSpec; group?: undefined; end: number }
  | { group: UpsertSpec[]; end: number }

/**
 * Writes that could not reach the database after the retries, as data
 * (table, columns, rows with version and epoch). Each record is checksummed
 * and fdatasync'ed before the write counts as done. Replayed in order at the
 * next start and as soon as the database answers again; replay is safe to
 * repeat because every record is a fenced, versioned upsert.
 */
export class DumpFile {
  private file: RecordFile
  private count = 0
  private bytes = 0
  /** Everything before this offset was replayed (or quarantined) by this process. */
  private done = 0
  private closing: Promise<void> | undefined

  constructor(readonly path: string) {
    for (const _f of readFrames(path, () => {})) this.count++
    this.bytes = fileSize(path)
    this.file = new RecordFile(path)
  }

  /** Records waiting to be replayed. */
  get pending(): number {
    return this.count
  }

  /** Whether replay has anything to do (records, or unreadable bytes to move aside). */
  get hasData(): boolean {
    return this.bytes > this.done
  }

  append(spec: UpsertSpec, now: number): void {
    const buf = this.file.append([encodeValue({ at: now, ...spec })], true)
    this.count++
    this.bytes += buf
  }

  /** The batches of one group as one record: replayed together (one transaction) or not at all. */
  appendGroup(specs: readonly UpsertSpec[], now: number): void {
    const buf = this.file.append([encodeValue({ at: now, group: specs })], true)
    this.count++
    this.bytes += buf
  }

  /**
   * The records not yet replayed, in order, read in bounded chunks. Bytes
   * that are not a readable record are moved to the quarantine, never
   * replayed and never silently dropped.
   */
  *entries(quarantine: Quarantine): Generator<DumpEntry> {
    for (const f of readFrames(
      this.path,
      (r) => {
        quarantine.keep(this.path, r.offset, r.length, r.reason)
        this.done = r.offset + r.length
      },
      { from: this.done },
    )) {
      const end = f.offset + f.length
      let entry: DumpEntry | undefined
      let reason: string
      try {
        entry = toEntry(decodeValue(f.payload.toString('utf8')), end)
        reason = 'not a dump record'
      } catch (err) {
        reason = `bad JSON: ${(err as Error).message}`
      }
      if (entry) {
        yield entry
        continue
      }
      quarantine.keep(this.path, f.offset, f.length, reason)
      this.done = end
      this.count--
    }
  }

  /** The entry ending at `end` is in the database (or refused and accounted for). */
  replayed(end: number): void {
    this.done = end
    this.count--
  }

  /** Everything replayed: start empty. */
  clear(): void {
    this.file.truncate()
    this.count = 0
    this.bytes = 0
    this.done = 0
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      try {
        this.file.close()
        resolve()
      } catch (err) {
        reject(err)
      }
    })
    return this.closing
  }
}

function toEntry(o: unknown, end: number): DumpEntry | undefined {
  const g = (o as { group?: unknown } | null)?.group
  if (g === undefined) {
    const spec = toSpec(o)
    return spec && { spec, end }
  }
  if (!Array.isArray(g) || g.length === 0) return undefined
  const group = g.map(toSpec)
  return group.every((x) => x !== undefined) ? { group: group as UpsertSpec[], end } : undefined
}

function toSpec(o: unknown): UpsertSpec | undefined {
  const d = o as Partial<UpsertSpec> | null
  if (
    typeof d !== 'object' ||
    d === null ||
    typeof d.table !== 'string' ||
    !Array.isArray(d.primaryKey) ||
    !Array.isArray(d.columns) ||
    !Array.isArray(d.rows) ||
    !d.rows.every((r) => Array.isArray(r) && r.length === (d.columns?.length ?? 0) + 2)
  )
    return undefined
  return { table: d.table, primaryKey: d.primaryKey, columns: d.columns, rows: d.rows }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}
