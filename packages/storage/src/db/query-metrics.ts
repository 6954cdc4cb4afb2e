/** Statement classes the metrics split by (reads are `select`, the rest are writes). */
export const STATEMENT_CLASSES = ['select', 'insert', 'update', 'replace', 'delete', 'ddl', 'other'] as const
export type StatementClass = (typeof STATEMENT_CLASSES)[number]

const DDL = new Set(['create', 'alter', 'drop', 'truncate', 'rename'])

/** Class of an SQL statement from its first keyword. */
export function classify(sql: string): StatementClass {
  const m = /^\s*(?:\/\*.*?\*\/\s*)*([A-Za-z]+)/s.exec(sql)
  const w = (m?.[1] ?? '').toLowerCase()
  if (w === 'select' || w === 'show' || w === 'with') return 'select'
  if (w === 'insert' || w === 'update' || w === 'replace' || w === 'delete') return w
  if (DDL.has(w)) return 'ddl'
  return 'other'
}

export interface ClassStats {
  count: number
  errors: number
  /** Statements per second over the window since the previous snapshot. */
  qps: number
  minMs: number
  maxMs: number
  avgMs: number
}

interface Acc {
  count: number
  errors: number
  windowCount: number
  sumMs: number
  minMs: number
  maxMs: number
}

const fresh = (): Acc => ({
  count: 0,
  errors: 0,
  windowCount: 0,
  sumMs: 0,
  minMs: Number.POSITIVE_INFINITY,
  maxMs: 0,
})

/**
 * Counts and latency of statements by class. Totals are cumulative; `qps` is
 * measured over the window since the previous snapshot (a scraper calling
 * every 15 s gets a 15 s rate).
 */
export class QueryMetrics {
  private readonly acc = new Map<StatementClass, Acc>(STATEMENT_CLASSES.map((c) => [c, fresh()]))
  private windowStart: number

  constructor(private readonly now: () => number = () => performance.now()) {
    this.windowStart = now()
  }

  record(cls: StatementClass, ms: number, ok: boolean): void {
    const a = this.acc.get(cls) as Acc
    a.count++
    a.windowCount++
    if (!ok) a.errors++
    a.sumMs += ms
    if (ms < a.minMs) a.minMs = ms
    if (ms > a.maxMs) a.maxMs = ms
  }

  snapshot(): Record<StatementClass, ClassStats> {
    const t = this.now()
    const secs = Math.max((t - this.windowStart) / 1000, 1e-9)
    this.windowStart = t
    const out = {} as Record<StatementClass, ClassStats>
    for (const [cls, a] of this.acc) {
      out[cls] = {
        count: a.count,
        errors: a.errors,
        qps: a.windowCount / secs,
        minMs: a.count ? a.minMs : 0,
        maxMs: a.maxMs,
        avgMs: a.count ? a.sumMs / a.count : 0,
      }
      a.windowCount = 0
    }
    return out
  }
}
