// Figures of one group of bots (polite players, hostile ones, a phase of a
// run): latency per request type, counters, errors by code, refusals by
// hostile kind. `snapshot()` is plain JSON so bot processes can send it to
// the parent, which merges them (`merge`).
import { Histogram, type HistogramData } from './histogram.js'

export interface StatsSnapshot {
  /** Bots this group should have (the target of the live view). */
  target: number
  /** Bots holding an open game connection right now. */
  connected: number
  /** Bots that finished their scenario. */
  played: number
  /** Bots that stopped on an unexpected error or a failed check. */
  failed: number
  counts: Record<string, number>
  latency: Record<string, { buckets: HistogramData; count: number; maxMs: number }>
  /** Unexpected errors by code (each one also counts a failed bot). */
  errors: Record<string, number>
  /** Errors a scenario expected and recovered from (e.g. a re-login after a logic process died). */
  recovered: Record<string, number>
  /** Hostile kinds: kind → outcome (a code, or CUT) → count. */
  refusals: Record<string, Record<string, number>>
  /** The first failures, with the bot and the message. */
  failures: string[]
  /** The first recovered errors, with the bot and the message. */
  recoveredSamples: string[]
  /** Counters with a rate (deliveries/s): when the first and the last one happened, epoch ms. */
  spans?: Record<string, { first: number; last: number }>
}

const MAX_FAILURES = 20

function bump(m: Record<string, number>, k: string, n = 1): void {
  m[k] = (m[k] ?? 0) + n
}

/** The code of an error as the report shows it. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' ? code : 'UNCODED'
}

export class BotStats {
  target = 0
  connected = 0
  played = 0
  failed = 0
  private readonly counts: Record<string, number> = {}
  private readonly latency = new Map<string, Histogram>()
  private readonly errors: Record<string, number> = {}
  private readonly recoveredBy: Record<string, number> = {}
  private readonly refusals: Record<string, Record<string, number>> = {}
  private readonly failures: string[] = []
  private readonly recoveredSamples: string[] = []
  private readonly spans: Record<string, { first: number; last: number }> = {}

  /** Time one request; the sample is kept only when it succeeds. */
  async time<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now()
    const v = await fn()
    this.sample(what, performance.now() - t0)
    return v
  }

  sample(what: string, ms: number): void {
    this.hist(what).record(ms)
  }

  count(what: string, n = 1): void {
    bump(this.counts, what, n)
  }

  /** Count one `what` and keep when the first and last happened (its rate in the report). */
  delivered(what: string, n = 1): void {
    this.count(what, n)
    const now = Date.now()
    const s = this.spans[what]
    if (s) s.last = now
    else this.spans[what] = { first: now, last: now }
  }

  /** A bot stopped on `err`. */
  fail(bot: string, err: unknown): void {
    this.failed++
    const code = errorCode(err)
    bump(this.errors, code)
    if (this.failures.length < MAX_FAILURES)
      this.failures.push(`bot ${bot}: ${code}: ${(err as Error)?.message ?? String(err)}`)
  }

  /** An error the scenario expects in this situation and got past. */
  recovered(code: string, sample?: string): void {
    bump(this.recoveredBy, code)
    if (sample !== undefined && this.recoveredSamples.length < MAX_FAILURES)
      this.recoveredSamples.push(sample)
  }

  /** A hostile attempt ended with `outcome` (the code it was refused with, or CUT). */
  refused(kind: string, outcome: string): void {
    bump(this.kindOutcomes(kind), outcome)
  }

  snapshot(): StatsSnapshot {
    return {
      target: this.target,
      connected: this.connected,
      played: this.played,
      failed: this.failed,
      counts: { ...this.counts },
      latency: Object.fromEntries([...this.latency].map(([k, h]) => [k, h.toJSON()])),
      errors: { ...this.errors },
      recovered: { ...this.recoveredBy },
      refusals: structuredClone(this.refusals),
      failures: [...this.failures],
      recoveredSamples: [...this.recoveredSamples],
      spans: structuredClone(this.spans),
    }
  }

  /** Add a snapshot (of another process) into this one. */
  merge(s: StatsSnapshot): void {
    this.target += s.target
    this.connected += s.connected
    this.played += s.played
    this.failed += s.failed
    for (const [k, n] of Object.entries(s.counts)) bump(this.counts, k, n)
    for (const [k, d] of Object.entries(s.latency)) {
      this.hist(k).merge(d)
    }
    for (const [k, n] of Object.entries(s.errors)) bump(this.errors, k, n)
    for (const [k, n] of Object.entries(s.recovered)) bump(this.recoveredBy, k, n)
    for (const [kind, m] of Object.entries(s.refusals)) {
      const k = this.kindOutcomes(kind)
      for (const [o, n] of Object.entries(m)) bump(k, o, n)
    }
    for (const f of s.failures) if (this.failures.length < MAX_FAILURES) this.failures.push(f)
    for (const [k, w] of Object.entries(s.spans ?? {})) {
      const mine = this.spans[k]
      if (!mine) this.spans[k] = { ...w }
      else {
        mine.first = Math.min(mine.first, w.first)
        mine.last = Math.max(mine.last, w.last)
      }
    }
    for (const f of s.recoveredSamples ?? [])
      if (this.recoveredSamples.length < MAX_FAILURES) this.recoveredSamples.push(f)
  }

  private hist(what: string): Histogram {
    let h = this.latency.get(what)
    if (!h) {
      h = new Histogram()
      this.latency.set(what, h)
    }
    return h
  }

  private kindOutcomes(kind: string): Record<string, number> {
    let k = this.refusals[kind]
    if (!k) {
      k = {}
      this.refusals[kind] = k
    }
    return k
  }

  histogram(what: string): Histogram | undefined {
    return this.latency.get(what)
  }

  requestTypes(): string[] {
    return [...this.latency.keys()].sort()
  }
}

/** Merge snapshots of the same group from several processes. */
export function mergeSnapshots(list: readonly StatsSnapshot[]): BotStats {
  const s = new BotStats()
  for (const x of list) s.merge(x)
  return s
}
