import type { OnAlert } from '../alerts/index.js'
import type { Logger } from '../log/index.js'

/** What a pool, buffer registry or cache says it holds. */
export interface MemoryReport {
  bytes: number
  count: number
}

export interface ProcessMemory {
  rss: number
  heapTotal: number
  heapUsed: number
  external: number
  arrayBuffers: number
}

export interface MemorySnapshot {
  process: ProcessMemory
  reporters: Record<string, MemoryReport>
  /** Sum of every reporter's bytes and count. */
  totals: MemoryReport
  /** RSS growth per minute over the sample window (least squares), or null with too few samples. */
  rssSlopeBytesPerMin: number | null
}

export interface MemoryMonitorOptions {
  logger?: Logger | undefined
  /** Samples kept for the growth check. */
  window?: number
  leakWarnBytesPerMin?: number
  /** Told of the leak warning (once per stretch of growth), as well as the log. */
  onAlert?: OnAlert
  /** Source of process figures (tests replace it). */
  read?: () => ProcessMemory
  /** Monotonic ms, for the slope. */
  now?: () => number
}

interface Registered {
  report: () => MemoryReport
  clean: (() => void | Promise<void>) | undefined
}

/**
 * Process memory figures plus every registered reporter (pools, buffer
 * registries), a leak warning on steady RSS growth, and the cleaners that run
 * at shutdown. Sampling is driven from outside (`sample()`), by the
 * application's timer, so tests control it.
 */
export class MemoryMonitor {
  private readonly reporters = new Map<string, Registered>()
  private readonly samples: { t: number; rss: number }[] = []
  private readonly window: number
  private readonly leakWarnBytesPerMin: number
  private readonly read: () => ProcessMemory
  private readonly now: () => number
  private warned = false
  /** Leak warnings raised so far (exported as a metric). */
  leakWarnings = 0

  constructor(private readonly opts: MemoryMonitorOptions = {}) {
    this.window = opts.window ?? 30
    this.leakWarnBytesPerMin = opts.leakWarnBytesPerMin ?? 8 * 1024 * 1024
    this.read = opts.read ?? (() => process.memoryUsage())
    this.now = opts.now ?? (() => performance.now())
  }

  /** Register a reporter (and optionally a cleaner run at shutdown). Returns an unregister function. */
  register(name: string, report: () => MemoryReport, clean?: () => void | Promise<void>): () => void {
    if (this.reporters.has(name)) throw new Error(`memory reporter ${name} registered twice`)
    this.reporters.set(name, { report, clean })
    return () => this.reporters.delete(name)
  }

  /** Take one RSS sample and warn (once per episode) if growth is steady and above the threshold. */
  sample(): MemorySnapshot {
    const snap = this.snapshot()
    this.samples.push({ t: this.now(), rss: snap.process.rss })
    if (this.samples.length > this.window) this.samples.shift()
    const slope = this.slope()
    if (slope !== null && slope > this.leakWarnBytesPerMin && this.steady()) {
      if (!this.warned) {
        this.warned = true
        this.leakWarnings++
        this.opts.logger?.warn(
          { rss: snap.process.rss, rssSlopeBytesPerMin: Math.round(slope), reporters: snap.reporters },
          'memory: RSS has grown steadily over the sample window (possible leak)',
        )
        this.opts.onAlert?.({
          kind: 'memory-leak',
          severity: 'warning',
          title: 'RSS growing steadily (possible leak)',
          text: `RSS ${Math.round(snap.process.rss / 1048576)} MiB, growing ${Math.round(slope / 1048576)} MiB/min over the sample window`,
        })
      }
    } else {
      this.warned = false
    }
    return { ...snap, rssSlopeBytesPerMin: slope }
  }

  snapshot(): MemorySnapshot {
    const m = this.read()
    const reporters: Record<string, MemoryReport> = {}
    const totals = { bytes: 0, count: 0 }
    for (const [name, r] of this.reporters) {
      const rep = r.report()
      reporters[name] = rep
      totals.bytes += rep.bytes
      totals.count += rep.count
    }
    return {
      process: {
        rss: m.rss,
        heapTotal: m.heapTotal,
        heapUsed: m.heapUsed,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
      },
      reporters,
      totals,
      rssSlopeBytesPerMin: this.slope(),
    }
  }

  /** Run every cleaner (reverse registration order); a failing cleaner is logged and the rest still run. */
  async cleanup(): Promise<void> {
    for (const [name, r] of [...this.reporters].reverse()) {
      if (!r.clean) continue
      try {
        await r.clean()
      } catch (err) {
        this.opts.logger?.error({ err, reporter: name }, 'memory: cleaner failed')
      }
    }
  }

  private slope(): number | null {
    const n = this.samples.length
    if (n < Math.min(3, this.window)) return null
    let st = 0
    let sr = 0
    for (const s of this.samples) {
      st += s.t
      sr += s.rss
    }
    const mt = st / n
    const mr = sr / n
    let num = 0
    let den = 0
    for (const s of this.samples) {
      num += (s.t - mt) * (s.rss - mr)
      den += (s.t - mt) ** 2
    }
    return den === 0 ? null : (num / den) * 60_000
  }

  /** Steady growth: the window is full and at least 80% of the steps went up. */
  private steady(): boolean {
    if (this.samples.length < this.window) return false
    let up = 0
    for (let i = 1; i < this.samples.length; i++) if (this.samples[i]!.rss > this.samples[i - 1]!.rss) up++
    return up >= 0.8 * (this.samples.length - 1)
  }
}
