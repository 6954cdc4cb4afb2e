import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { StorageBadConfig } from '../errors.js'
import { frame, RecordFile, readRecords } from './record-file.js'

/**
 * How the journal reaches the disk:
 * - `always`: every change is written and fdatasync'ed before the assignment
 *   returns. Nothing acknowledged is ever lost, even on power loss; slowest.
 * - `write` (default): every change is written to the file at once (it
 *   survives a crash or kill -9 of the process), fdatasync every
 *   `syncIntervalMs` (power loss or an OS crash can lose that window).
 * - `interval`: changes are buffered in memory and written + fdatasync'ed
 *   every `syncIntervalMs`: any crash can lose that window.
 * - `off`: no journal; a crash loses everything not yet flushed.
 */
export type JournalMode = 'always' | 'write' | 'interval' | 'off'

export interface JournalOptions {
  mode?: JournalMode
  /** Default 100 ms. */
  syncIntervalMs?: number
}

const NAME = /^journal-(\d{8})\.log$/

/**
 * Local append-only log of changes not yet in the database, in segments:
 * each flush seals the current segment and opens the next; once the flush
 * has put every change of the sealed segments in the database (or the dump
 * file), they are deleted. What is left at start is replayed.
 */
export class Journal {
  readonly mode: JournalMode
  private readonly syncIntervalMs: number
  private file: RecordFile | undefined
  private seg = 0
  private pending: string[] = []
  private unsynced = false
  private timer: NodeJS.Timeout | undefined

  constructor(
    readonly dir: string,
    opts: JournalOptions = {},
  ) {
    this.mode = opts.mode ?? 'write'
    this.syncIntervalMs = opts.syncIntervalMs ?? 100
    if (!['always', 'write', 'interval', 'off'].includes(this.mode))
      throw new StorageBadConfig(`journal mode ${this.mode}`)
    if (!(this.syncIntervalMs > 0))
      throw new StorageBadConfig(`journal syncIntervalMs ${this.syncIntervalMs}`)
    mkdirSync(dir, { recursive: true })
  }

  /** Segment numbers on disk, oldest first. */
  segments(): number[] {
    return readdirSync(this.dir)
      .map((f) => NAME.exec(f)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .sort((a, b) => a - b)
  }

  /** Records of every segment on disk, oldest first (call before open()). */
  readAll(): { records: string[]; segments: number[]; badTailBytes: number } {
    const segments = this.segments()
    const records: string[] = []
    let badTailBytes = 0
    for (const s of segments) {
      const r = readRecords(this.segPath(s))
      records.push(...r.records)
      badTailBytes += r.badTailBytes
    }
    return { records, segments, badTailBytes }
  }

  /** Start writing a fresh segment after the ones on disk. */
  open(): void {
    if (this.mode === 'off') return
    this.seg = Math.max(0, ...this.segments()) + 1
    this.file = new RecordFile(this.segPath(this.seg))
    if (this.mode !== 'always') {
      this.timer = setInterval(() => this.sync(), this.syncIntervalMs)
      this.timer.unref()
    }
  }

  /** Record one change (a JSON payload built by the storage). */
  append(payload: string): void {
    const f = this.file
    if (f === undefined) return
    if (this.mode === 'interval') {
      this.pending.push(payload)
    } else {
      f.writeRaw(frame([payload]), this.mode === 'always')
      if (this.mode === 'write') this.unsynced = true
    }
  }

  /** Write what is buffered and fdatasync. */
  sync(): void {
    const f = this.file
    if (f === undefined) return
    if (this.pending.length > 0) {
      const batch = this.pending
      this.pending = []
      f.writeRaw(frame(batch), true)
      this.unsynced = false
    } else if (this.unsynced) {
      f.sync()
      this.unsynced = false
    }
  }

  /**
   * Seal the current segment (synced) and continue in a new one. Returns the
   * sealed segment's number: everything up to it may be deleted once the
   * changes it holds are persisted.
   */
  rotate(): number {
    if (this.file === undefined) return 0
    this.sync()
    this.file.close()
    const sealed = this.seg
    this.seg++
    this.file = new RecordFile(this.segPath(this.seg))
    return sealed
  }

  /** Delete segments up to and including `seg`. */
  removeThrough(seg: number): void {
    for (const s of this.segments())
      if (s <= seg && !(this.file !== undefined && s === this.seg)) rmSync(this.segPath(s), { force: true })
  }

  close(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    if (this.file) {
      this.sync()
      this.file.close()
      this.file = undefined
    }
  }

  private segPath(n: number): string {
    return path.join(this.dir, `journal-${String(n).padStart(8, '0')}.log`)
  }
}
