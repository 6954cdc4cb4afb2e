import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import type { Scheduler, TimerHandle } from '../scheduler.js'
import { frame, RecordFile } from './record-file.js'

/**
 * How the journal reaches the disk, and so when a change is acknowledged:
 * - `always`: every change is written and fdatasync'ed before the assignment
 *   returns. Nothing acknowledged is ever lost, even on power loss; slowest.
 * - `write` (default): every change is written to the file before the
 *   assignment returns (it survives a crash or kill -9 of the process),
 *   fdatasync every `syncIntervalMs` (power loss or an OS crash can lose that
 *   window).
 * - `interval`: changes are buffered in memory and written + fdatasync'ed
 *   every `syncIntervalMs`. A change is acknowledged only once
 *   `await storage.synced()` has resolved after it; before that any crash
 *   can lose it.
 * - `off`: no journal; a crash loses everything not yet flushed.
 */
export type JournalMode = 'always' | 'write' | 'interval' | 'off'

export interface JournalOptions {
  mode?: JournalMode
  /** Default 100 ms. */
  syncIntervalMs?: number
  /**
   * A segment holding this many records is sealed and the next one begun
   * (with a version barrier, see Storage), which bounds the memory replay
   * needs per segment. Default 65 536.
   */
  segmentRecords?: number
  /** Journal size (bytes on disk) that raises the `journal-size` alert. Default 64 MiB. */
  alertBytes?: number
}

export type ResolvedJournalOptions = Required<JournalOptions>

/** Records and bytes of the journal segments on disk. */
export interface JournalSize {
  bytes: number
  records: number
  segments: number
}

const NAME = /^journal-(\d{8})\.log$/

/**
 * Local append-only log of changes not yet in the database, in segments:
 * each flush seals the current segment and opens the next; once the flush
 * has put every change of the sealed segments in the database (or the dump
 * file), they are deleted. What is left at start is replayed, one segment
 * at a time (see JournalFold).
 */
export class Journal {
  readonly mode: JournalMode
  private file: RecordFile | undefined
  private seg = 0
  private pending: string[] = []
  private unsynced = false
  private timer: TimerHandle | undefined
  private waiters: (() => void)[] = []
  /** Records and bytes per live segment (sealed ones not yet deleted, and the current one). */
  private readonly sizes = new Map<number, { records: number; bytes: number }>()
  private current = { records: 0, bytes: 0 }
  private total = { records: 0, bytes: 0 }
  private alerting = false
  private closing: Promise<void> | undefined

  constructor(
    readonly dir: string,
    private readonly opts: ResolvedJournalOptions,
    private readonly timers: Scheduler,
    /** Called once when the journal grows past `alertBytes`, and once when it is back under. */
    private readonly onAlert: (firing: boolean, size: JournalSize) => void = () => {},
  ) {
    this.mode = opts.mode
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

  segmentPath(n: number): string {
    return path.join(this.dir, `journal-${String(n).padStart(8, '0')}.log`)
  }

  /** Start writing a fresh segment after the ones on disk. */
  open(): void {
    if (this.mode === 'off' || this.closing) return
    const left = this.segments()
    for (const s of left) this.track(s, { records: 0, bytes: statSync(this.segmentPath(s)).size })
    this.seg = Math.max(0, ...left) + 1
    this.begin()
    if (this.mode !== 'always') this.timer = this.timers.every(this.opts.syncIntervalMs, () => this.sync())
  }

  /** Record one change (a payload built by journalRecord). */
  append(payload: string): void {
    const f = this.file
    if (f === undefined) return
    if (this.mode === 'interval') {
      this.pending.push(payload)
      this.grow(1, 0)
    } else {
      const buf = frame([payload])
      f.writeRaw(buf, this.mode === 'always')
      if (this.mode === 'write') this.unsynced = true
      this.grow(1, buf.length)
    }
  }

  /** The current segment has reached `segmentRecords`: time to seal it. */
  get full(): boolean {
    return this.current.records >= this.opts.segmentRecords
  }

  /** Write what is buffered and fdatasync. */
  sync(): void {
    const f = this.file
    if (f !== undefined) {
      if (this.pending.length > 0) {
        const buf = frame(this.pending)
        this.pending = []
        f.writeRaw(buf, true)
        this.unsynced = false
        this.grow(0, buf.length)
      } else if (this.unsynced) {
        f.sync()
        this.unsynced = false
      }
    }
    this.release()
  }

  private release(): void {
    const w = this.waiters
    if (w.length > 0) {
      this.waiters = []
      for (const resolve of w) resolve()
    }
  }

  /**
   * Resolves once every change appended before the call is written and
   * fdatasync'ed: at once in `always` (and `off`) mode, at the next sync
   * otherwise.
   */
  synced(): Promise<void> {
    if (this.file === undefined || this.mode === 'always') return Promise.resolve()
    if (this.pending.length === 0 && !this.unsynced) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
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
    this.begin()
    return sealed
  }

  /** Delete segments up to and including `seg` (never the one being written). */
  removeThrough(seg: number): void {
    for (const s of this.segments()) {
      if (s > seg || (this.file !== undefined && s === this.seg)) continue
      rmSync(this.segmentPath(s), { force: true })
      const size = this.sizes.get(s)
      if (size) {
        this.total.records -= size.records
        this.total.bytes -= size.bytes
        this.sizes.delete(s)
      }
    }
    this.checkAlert()
  }

  /** Records and bytes of the live segments (records counted since start). */
  size(): JournalSize {
    return { bytes: this.total.bytes, records: this.total.records, segments: this.sizes.size }
  }

  /** Final sync and close; every caller gets the same promise. */
  close(): Promise<void> {
    // The executor runs now: the file is closed when close() returns.
    this.closing ??= new Promise<void>((resolve, reject) => {
      try {
        if (this.timer !== undefined) this.timers.cancel(this.timer)
        this.timer = undefined
        const f = this.file
        if (f) {
          this.sync()
          this.file = undefined
          f.close()
        }
        resolve()
      } catch (err) {
        reject(err)
      } finally {
        this.release()
      }
    })
    return this.closing
  }

  private begin(): void {
    this.file = new RecordFile(this.segmentPath(this.seg))
    this.current = { records: 0, bytes: 0 }
    this.track(this.seg, this.current)
  }

  private track(seg: number, size: { records: number; bytes: number }): void {
    this.sizes.set(seg, size)
    this.total.records += size.records
    this.total.bytes += size.bytes
  }

  private grow(records: number, bytes: number): void {
    this.current.records += records
    this.current.bytes += bytes
    this.total.records += records
    this.total.bytes += bytes
    if (!this.alerting && this.total.bytes > this.opts.alertBytes) this.checkAlert()
  }

  private checkAlert(): void {
    const over = this.total.bytes > this.opts.alertBytes
    if (over === this.alerting) return
    this.alerting = over
    this.onAlert(over, this.size())
  }
}
