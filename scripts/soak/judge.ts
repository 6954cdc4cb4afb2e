// Whether a soak run's curves are flat after warm-up: for each service and
// figure, the median of the last third of the samples against the median of
// the first third (medians, so a GC or a burst of one sample does not decide).
// A figure "grows" when the difference is over both its absolute and its
// relative allowance; a service that did not report a figure is left out.

export interface Figure {
  label: string
  unit: string
  /** Display scale (bytes → MiB). */
  scale: number
  /** Growth allowed: the larger of `abs` and `rel` × the first third's median. */
  abs: number
  rel: number
}

export type FigureName = 'rssBytes' | 'heapBytes' | 'fds' | 'lagP99Ms' | 'backlog'

/** One scrape of one service. */
export interface Sample {
  /** Seconds since sampling began. */
  t: number
  service: string
  values: Partial<Record<FigureName, number>>
}

export interface SoakRow {
  service: string
  figure: FigureName
  points: number
  verdict: 'flat' | 'grows' | 'too-short'
  first?: number
  last?: number
  growth?: number
  allowed?: number
  slopePerHour?: number
}

/** Per figure: what is sampled, its unit, and the growth allowed (absolute, relative to the first third). */
export const FIGURES: Record<FigureName, Figure> = {
  rssBytes: { label: 'RSS', unit: 'MiB', scale: 1 / 2 ** 20, abs: 32 * 2 ** 20, rel: 0.2 },
  heapBytes: { label: 'heap used', unit: 'MiB', scale: 1 / 2 ** 20, abs: 24 * 2 ** 20, rel: 0.3 },
  fds: { label: 'open files', unit: '', scale: 1, abs: 24, rel: 0.15 },
  lagP99Ms: { label: 'event-loop lag p99', unit: 'ms', scale: 1, abs: 25, rel: 1 },
  backlog: {
    label: 'storage backlog (dirty rows + dump records)',
    unit: 'rows',
    scale: 1,
    abs: 500,
    rel: 0.5,
  },
}

/** Fewer samples than this after warm-up: no verdict for the figure. */
export const MIN_POINTS = 6

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

/** Least-squares slope of (t, v) in units per hour: for the report, not the verdict. */
function slopePerHour(points: { t: number; v: number }[]): number {
  const n = points.length
  const mt = points.reduce((a, p) => a + p.t, 0) / n
  const mv = points.reduce((a, p) => a + p.v, 0) / n
  let num = 0
  let den = 0
  for (const p of points) {
    num += (p.t - mt) * (p.v - mv)
    den += (p.t - mt) ** 2
  }
  return den === 0 ? 0 : (num / den) * 3600
}

/** One row per (service, figure) sampled after warm-up, and `ok` (no figure grows). */
export function judgeSoak(
  samples: Sample[],
  { warmupS }: { warmupS: number },
): { rows: SoakRow[]; ok: boolean } {
  const services = [...new Set(samples.map((s) => s.service))]
  const rows: SoakRow[] = []
  for (const service of services)
    for (const [figure, f] of Object.entries(FIGURES) as [FigureName, Figure][]) {
      const points = samples
        .filter((s) => s.service === service && s.t >= warmupS && Number.isFinite(s.values[figure]))
        .map((s) => ({ t: s.t, v: s.values[figure] as number }))
      if (points.length === 0) continue
      if (points.length < MIN_POINTS) {
        rows.push({ service, figure, points: points.length, verdict: 'too-short' })
        continue
      }
      const third = Math.floor(points.length / 3)
      const first = median(points.slice(0, third).map((p) => p.v))
      const last = median(points.slice(-third).map((p) => p.v))
      const growth = last - first
      const allowed = Math.max(f.abs, f.rel * Math.abs(first))
      rows.push({
        service,
        figure,
        points: points.length,
        first,
        last,
        growth,
        allowed,
        slopePerHour: slopePerHour(points),
        verdict: growth > allowed ? 'grows' : 'flat',
      })
    }
  return { rows, ok: rows.every((r) => r.verdict !== 'grows') }
}
