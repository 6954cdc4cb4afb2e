// Figures of a bot run: latency per request type, counts, errors by code.

export interface RequestFigures {
  count: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

export interface BotReport {
  bots: number
  played: number
  failed: number
  durationMs: number
  requests: Record<string, RequestFigures>
  counts: Record<string, number>
  errors: Record<string, number>
  /** The first few failures, with the bot and the message. */
  failures: string[]
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

export class BotStats {
  private readonly samples = new Map<string, number[]>()
  private readonly counts = new Map<string, number>()
  private readonly errors = new Map<string, number>()
  private readonly failures: string[] = []
  played = 0
  failed = 0

  async time<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now()
    const v = await fn()
    const s = this.samples.get(what)
    if (s) s.push(performance.now() - t0)
    else this.samples.set(what, [performance.now() - t0])
    return v
  }

  count(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1)
  }

  fail(bot: string, err: unknown): void {
    this.failed++
    const code = (err as { code?: unknown })?.code
    const key = typeof code === 'string' ? code : 'UNCODED'
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1)
    if (this.failures.length < 20) this.failures.push(`${bot}: ${key}: ${(err as Error)?.message ?? err}`)
  }

  report(bots: number, durationMs: number): BotReport {
    const requests: Record<string, RequestFigures> = {}
    for (const [k, s] of [...this.samples].sort(([a], [b]) => a.localeCompare(b))) {
      const sorted = [...s].sort((a, b) => a - b)
      requests[k] = {
        count: s.length,
        p50Ms: round(quantile(sorted, 0.5)),
        p99Ms: round(quantile(sorted, 0.99)),
        maxMs: round(sorted.at(-1) ?? 0),
      }
    }
    return {
      bots,
      played: this.played,
      failed: this.failed,
      durationMs: Math.round(durationMs),
      requests,
      counts: Object.fromEntries(this.counts),
      errors: Object.fromEntries(this.errors),
      failures: [...this.failures],
    }
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10

/** The report as Markdown, for a terminal or a file. */
export function reportMarkdown(r: BotReport): string {
  const lines = [
    `# Bot run: ${r.played}/${r.bots} played, ${r.failed} failed, ${(r.durationMs / 1000).toFixed(1)} s`,
    '',
    '| request | count | p50 ms | p99 ms | max ms |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(r.requests).map(
      ([k, f]) => `| ${k} | ${f.count} | ${f.p50Ms} | ${f.p99Ms} | ${f.maxMs} |`,
    ),
  ]
  if (Object.keys(r.errors).length) {
    lines.push('', '| error code | count |', '| --- | --- |')
    for (const [k, n] of Object.entries(r.errors)) lines.push(`| ${k} | ${n} |`)
  }
  for (const f of r.failures) lines.push(`- ${f}`)
  return `${lines.join('\n')}\n`
}
