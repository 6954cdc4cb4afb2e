/** One sample of the Prometheus text format: metric name, labels, value. */
export interface PromSample {
  name: string
  labels: Record<string, string>
  value: number
}

// name{label="value",...} value [timestamp]
const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/**
 * Parse the samples of a /metrics body whose name is in `wanted` (the
 * others are skipped before their labels are read). Comments and lines
 * that do not parse are ignored: a scrape is advisory, never fatal.
 */
export function parsePromText(text: string, wanted: ReadonlySet<string>): PromSample[] {
  const out: PromSample[] = []
  for (const raw of text.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue
    const cut = raw.search(/[{\s]/)
    if (cut <= 0 || !wanted.has(raw.slice(0, cut))) continue
    const m = LINE.exec(raw.trim())
    if (!m) continue
    const value = Number(m[3])
    if (Number.isNaN(value)) continue
    const labels: Record<string, string> = {}
    if (m[2])
      for (const l of m[2].matchAll(LABEL))
        labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c))
    out.push({ name: m[1]!, labels, value })
  }
  return out
}

/** Cumulative histogram buckets (`le` upper bound → count), summed over every other label. */
export function histogramBuckets(samples: readonly PromSample[], name: string): Map<number, number> {
  const b = new Map<number, number>()
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le)
    if (Number.isNaN(le)) continue
    b.set(le, (b.get(le) ?? 0) + s.value)
  }
  return b
}

/**
 * The q-quantile of the observations between two readings of a cumulative
 * histogram, interpolated linearly inside its bucket (as Prometheus's
 * histogram_quantile does). Null when nothing was observed in between; the
 * top finite bound when the quantile falls in the +Inf bucket.
 */
export function quantileBetween(
  before: ReadonlyMap<number, number> | undefined,
  after: ReadonlyMap<number, number>,
  q: number,
): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b)
  const counts = bounds.map((le) => Math.max(0, (after.get(le) ?? 0) - (before?.get(le) ?? 0)))
  const total = counts[counts.length - 1] ?? 0
  if (bounds.length === 0 || total <= 0) return null
  const rank = q * total
  let prevBound = 0
  let prevCount = 0
  for (let i = 0; i < bounds.length; i++) {
    const le = bounds[i]!
    const c = counts[i]!
    if (c >= rank) {
      if (le === Number.POSITIVE_INFINITY) return prevBound
      const inBucket = c - prevCount
      return inBucket <= 0 ? le : prevBound + ((le - prevBound) * (rank - prevCount)) / inBucket
    }
    prevBound = le
    prevCount = c
  }
  return prevBound
}
