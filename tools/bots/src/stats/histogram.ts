// Latency histogram with logarithmic buckets (about 2% apart): fixed size
// whatever the sample count, and mergeable, so bot processes send their
// buckets to the parent instead of every sample.

const GROWTH = Math.log(1.02)

/** Sparse bucket counts: bucket index → samples (JSON-friendly). */
export type HistogramData = Record<string, number>

export class Histogram {
  private readonly buckets = new Map<number, number>()
  count = 0
  maxMs = 0

  record(ms: number): void {
    const i = ms <= 0 ? 0 : Math.ceil(Math.log1p(ms * 1000) / GROWTH)
    this.buckets.set(i, (this.buckets.get(i) ?? 0) + 1)
    this.count++
    if (ms > this.maxMs) this.maxMs = ms
  }

  /** The q-quantile (0..1) in ms: the upper edge of the bucket holding it. */
  quantile(q: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (const i of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(i)!
      if (seen >= rank) return Math.min(this.maxMs, Math.expm1(i * GROWTH) / 1000)
    }
    return this.maxMs
  }

  toJSON(): { buckets: HistogramData; count: number; maxMs: number } {
    return { buckets: Object.fromEntries(this.buckets), count: this.count, maxMs: this.maxMs }
  }

  /** Add another histogram's data (from another process or bot group). */
  merge(d: { buckets: HistogramData; count: number; maxMs: number }): void {
    for (const [k, n] of Object.entries(d.buckets))
      this.buckets.set(Number(k), (this.buckets.get(Number(k)) ?? 0) + n)
    this.count += d.count
    if (d.maxMs > this.maxMs) this.maxMs = d.maxMs
  }
}
