import type { OnAlert } from '../alerts/index.js'
import type { Logger } from '../log/index.js'
import type { Scheduler, TimerHandle } from '../timer/index.js'
import { type MemoryGuardConfig, memoryGuardThresholds } from './memory-guard-config.js'

/** The figures the guard compares: resident set size and V8 heap in use, bytes. */
export interface GuardedMemory {
  rss: number
  heapUsed: number
}

export type MemoryGuardState = 'normal' | 'over'

export interface MemoryGuardOptions {
  /** Who is guarded, in logs and in the metrics' `scope` label (e.g. `gateway#200`). */
  scope: string
  /** RSS threshold, bytes; 0 = none. */
  rssBytes: number
  /** Heap-in-use threshold, bytes; 0 = none. */
  heapBytes: number
  /** Back to normal once every figure is below this share of its threshold (default 0.9). */
  resumeRatio?: number
  /** Sampling interval, ms. */
  sampleMs: number
  /** Drives the sampling (`ctx.timers`; a wheel on a ManualClock in tests). */
  timers: Scheduler
  logger?: Logger | undefined
  /** Told when the guard goes over (a warning alert), besides the log line. */
  onAlert?: OnAlert | undefined
  /** Told of every change of state. */
  onChange?: ((state: MemoryGuardState) => void) | undefined
  /** Source of the figures (tests replace it). Default `process.memoryUsage()`. */
  read?: () => GuardedMemory
}

const MiB = 1024 * 1024
const mib = (b: number) => Math.round(b / MiB)

/**
 * Load shedding on memory: samples the process's RSS and heap in use every
 * `sampleMs` and is `over` from the first sample at or past a threshold
 * until every figure is back below `resumeRatio` of its threshold (the gap
 * keeps it from flapping on a figure that hovers at the threshold). While
 * over, its owner takes no new work — the gateway refuses new sessions, login
 * queues players (docs/operations.md, "Memory guard") — so the process stops
 * growing instead of growing until the OS or V8 kills it with every session
 * it holds.
 */
export class MemoryGuard {
  readonly scope: string
  readonly rssBytes: number
  readonly heapBytes: number
  readonly resumeRatio: number
  private stateValue: MemoryGuardState = 'normal'
  private timer: TimerHandle | undefined
  private readonly read: () => GuardedMemory
  /** The latest sample. */
  last: GuardedMemory = { rss: 0, heapUsed: 0 }
  /** Times the guard went over. */
  entered = 0
  /** New work held back while over (counted by the owner through {@link holdBack}). */
  heldBack = 0

  constructor(private readonly o: MemoryGuardOptions) {
    this.scope = o.scope
    this.rssBytes = o.rssBytes
    this.heapBytes = o.heapBytes
    this.resumeRatio = o.resumeRatio ?? 0.9
    if (!(this.resumeRatio > 0 && this.resumeRatio < 1))
      throw new RangeError(`memory guard resumeRatio ${this.resumeRatio} is not in (0, 1)`)
    this.read = o.read ?? (() => process.memoryUsage())
  }

  /** A guard from its config keys (heapBytes unset: 85% of the heap limit). */
  static fromConfig(
    c: MemoryGuardConfig,
    o: Omit<MemoryGuardOptions, 'rssBytes' | 'heapBytes' | 'resumeRatio' | 'sampleMs'>,
  ): MemoryGuard {
    return new MemoryGuard({
      ...o,
      ...memoryGuardThresholds(c),
      resumeRatio: c.resumeRatio,
      sampleMs: c.sampleMs,
    })
  }

  get state(): MemoryGuardState {
    return this.stateValue
  }

  get over(): boolean {
    return this.stateValue === 'over'
  }

  /** True while over, counting one piece of new work held back; the owner then refuses or queues it. */
  holdBack(): boolean {
    if (this.stateValue !== 'over') return false
    this.heldBack++
    return true
  }

  /** Sample now and then every `sampleMs` until {@link stop}. */
  start(): this {
    if (this.timer !== undefined) return this
    this.sample()
    this.timer = this.o.timers.every(this.o.sampleMs, () => void this.sample())
    return this
  }

  stop(): void {
    if (this.timer !== undefined) this.o.timers.cancel(this.timer)
    this.timer = undefined
  }

  /** Read the figures and move between normal and over. Returns the state after the sample. */
  sample(): MemoryGuardState {
    const m = this.read()
    this.last = { rss: m.rss, heapUsed: m.heapUsed }
    if (this.stateValue === 'normal') {
      const tripped = this.tripped(1)
      if (tripped !== null) this.enter(tripped)
    } else if (this.tripped(this.resumeRatio) === null) this.leave()
    return this.stateValue
  }

  /** Which figure is at or past `ratio` of its threshold ('rss' first), or null for none. */
  private tripped(ratio: number): 'rss' | 'heap' | null {
    const { rss, heapUsed } = this.last
    if (this.rssBytes > 0 && rss >= this.rssBytes * ratio) return 'rss'
    if (this.heapBytes > 0 && heapUsed >= this.heapBytes * ratio) return 'heap'
    return null
  }

  private enter(tripped: 'rss' | 'heap'): void {
    this.stateValue = 'over'
    this.entered++
    const { rss, heapUsed } = this.last
    this.o.logger?.warn(
      { scope: this.scope, tripped, rss, heapUsed, rssBytes: this.rssBytes, heapBytes: this.heapBytes },
      'memory guard: over the threshold; new work is held back',
    )
    const limit = tripped === 'rss' ? this.rssBytes : this.heapBytes
    this.o.onAlert?.({
      kind: 'memory-pressure',
      severity: 'warning',
      title: `${this.scope} over its memory threshold; new work held back`,
      text: `${tripped === 'rss' ? 'RSS' : 'heap in use'} ${mib(tripped === 'rss' ? rss : heapUsed)} MiB >= threshold ${mib(limit)} MiB (RSS ${mib(rss)} MiB, heap ${mib(heapUsed)} MiB)`,
    })
    this.o.onChange?.('over')
  }

  private leave(): void {
    this.stateValue = 'normal'
    const { rss, heapUsed } = this.last
    this.o.logger?.warn(
      {
        scope: this.scope,
        rss,
        heapUsed,
        rssBytes: this.rssBytes,
        heapBytes: this.heapBytes,
        resumeRatio: this.resumeRatio,
        heldBack: this.heldBack,
      },
      'memory guard: back under the threshold; new work taken again',
    )
    this.o.onChange?.('normal')
  }
}
