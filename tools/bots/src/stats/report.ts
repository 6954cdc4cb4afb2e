// The final report of a run (merged over processes): JSON for machines,
// Markdown for people, and the verdict against the thresholds.
import { hostileKinds } from '../hostile/kinds.js'
import type { RunSnapshot } from '../run/run-bots.js'
import { BotStats, type StatsSnapshot } from './bot-stats.js'

export interface RequestFigures {
  count: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

export interface GroupReport {
  /** Bots of this group (of the group it is a phase of). */
  bots: number
  played: number
  failed: number
  /** failed / bots */
  errorRate: number
  counts: Record<string, number>
  requests: Record<string, RequestFigures>
  errors: Record<string, number>
  recovered: Record<string, number>
  failures: string[]
  /** The first recovered errors with their messages. */
  recoveredSamples: string[]
  /** Chat lines received and how fast they came (chat-heavy). */
  chat?: ChatFigures
}

export interface ChatFigures {
  /** Lines bots sent, and lines refused with CHAT_RATE_LIMITED (only expected with --chat-exceed). */
  lines: number
  rateLimited: number
  /** Chat pushes received by every bot together, and per second between the first and the last. */
  deliveries: number
  deliveriesPerS: number
  /** Sender's send → each receiver's push. */
  fanoutP50Ms: number
  fanoutP99Ms: number
  fanoutMaxMs: number
}

export interface HostileKindReport {
  does: string
  expected: readonly string[]
  outcomes: Record<string, number>
  /** Every attempt ended in a documented refusal. */
  refusedAsDocumented: boolean
}

export interface BotReport {
  scenario: string
  stack: string
  processes: number
  durationMs: number
  /** Over every group: bots in the run, bots that played their scenario, bots that failed. */
  totals: { bots: number; played: number; failed: number; rounds: number }
  groups: Record<string, GroupReport>
  hostile: Record<string, HostileKindReport>
  thresholds: { maxErrorRate: number; maxP99Ms: number | null }
  /** Thresholds missed (empty: the run passed). */
  missed: string[]
}

const round = (ms: number) => Math.round(ms * 10) / 10

export interface ReportInput {
  scenario: string
  stack: string
  processes: number
  /** One snapshot per process. */
  runs: readonly RunSnapshot[]
  /** Phase group → the group it is a phase of (its bots are counted there). */
  phaseOf: Record<string, string>
  maxErrorRate: number
  maxP99Ms?: number
}

/** Merge each group over the processes. */
export function mergeGroups(runs: readonly RunSnapshot[]): Map<string, BotStats> {
  const out = new Map<string, BotStats>()
  for (const r of runs)
    for (const [k, s] of Object.entries(r.groups)) {
      let g = out.get(k)
      if (!g) {
        g = new BotStats()
        out.set(k, g)
      }
      g.merge(s as StatsSnapshot)
    }
  return out
}

export function buildReport(i: ReportInput): BotReport {
  const merged = mergeGroups(i.runs)
  const groups: Record<string, GroupReport> = {}
  const hostile: Record<string, HostileKindReport> = {}
  const totals = { bots: 0, played: 0, failed: 0, rounds: 0 }
  for (const [name, g] of merged) {
    const s = g.snapshot()
    totals.bots += s.target
    totals.played += s.played
    totals.failed += s.failed
    totals.rounds += s.counts.rounds ?? 0
    const bots = s.target || (i.phaseOf[name] ? (merged.get(i.phaseOf[name]!)?.target ?? 0) : 0)
    const requests: Record<string, RequestFigures> = {}
    for (const k of g.requestTypes()) {
      const h = g.histogram(k)!
      requests[k] = {
        count: h.count,
        p50Ms: round(h.quantile(0.5)),
        p99Ms: round(h.quantile(0.99)),
        maxMs: round(h.maxMs),
      }
    }
    const span = s.spans?.['chat.deliveries']
    const fan = g.histogram('chat.fanout')
    const chat: ChatFigures | undefined =
      span && fan
        ? {
            lines: s.counts['chat.lines'] ?? 0,
            rateLimited: s.counts['chat.rate-limited'] ?? 0,
            deliveries: s.counts['chat.deliveries'] ?? 0,
            deliveriesPerS: Math.round(
              (s.counts['chat.deliveries'] ?? 0) / Math.max(0.001, (span.last - span.first) / 1000),
            ),
            fanoutP50Ms: round(fan.quantile(0.5)),
            fanoutP99Ms: round(fan.quantile(0.99)),
            fanoutMaxMs: round(fan.maxMs),
          }
        : undefined
    groups[name] = {
      bots,
      ...(chat ? { chat } : {}),
      played: s.played,
      failed: s.failed,
      errorRate: bots > 0 ? s.failed / bots : 0,
      counts: s.counts,
      requests,
      errors: s.errors,
      recovered: s.recovered,
      failures: s.failures,
      recoveredSamples: s.recoveredSamples,
    }
    for (const [kind, outcomes] of Object.entries(s.refusals)) {
      const k = hostileKinds[kind]
      const expected = k?.expected ?? []
      hostile[kind] = {
        does: k?.does ?? '',
        expected,
        outcomes,
        refusedAsDocumented: Object.keys(outcomes).every((o) => expected.includes(o)),
      }
    }
  }
  const missed: string[] = []
  // Polite groups are held to the thresholds; hostile ones must be refused as documented.
  const politeFailed = new Map<string, { failed: number; bots: number }>()
  for (const [name, g] of Object.entries(groups)) {
    if (name === 'hostile') {
      if (g.failed > 0)
        missed.push(
          `${g.failed} hostile bots stopped on an error of their own (${Object.keys(g.errors).join(', ')})`,
        )
      continue
    }
    const base = i.phaseOf[name] ?? name
    const f = politeFailed.get(base) ?? { failed: 0, bots: groups[base]?.bots ?? g.bots }
    f.failed += g.failed
    politeFailed.set(base, f)
    if (i.maxP99Ms !== undefined)
      for (const [k, r] of Object.entries(g.requests))
        if (r.p99Ms > i.maxP99Ms) missed.push(`${name}: ${k} p99 ${r.p99Ms} ms > ${i.maxP99Ms} ms`)
  }
  for (const [name, f] of politeFailed)
    if (f.bots > 0 && f.failed / f.bots > i.maxErrorRate)
      missed.push(`${name}: ${f.failed} of ${f.bots} bots failed (allowed ${i.maxErrorRate})`)
  for (const [kind, k] of Object.entries(hostile))
    if (!k.refusedAsDocumented)
      missed.push(
        `hostile ${kind}: outcomes ${JSON.stringify(k.outcomes)}, documented ${k.expected.join('|')}`,
      )
  return {
    scenario: i.scenario,
    stack: i.stack,
    processes: i.processes,
    durationMs: Math.max(0, ...i.runs.map((r) => r.elapsedMs)),
    totals,
    groups,
    hostile,
    thresholds: { maxErrorRate: i.maxErrorRate, maxP99Ms: i.maxP99Ms ?? null },
    missed,
  }
}

const table = (head: string[], rows: (string | number)[][]) => [
  `| ${head.join(' | ')} |`,
  `| ${head.map(() => '---').join(' | ')} |`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
]

/** The report as Markdown, for a terminal or a file. */
export function reportMarkdown(r: BotReport): string {
  const lines = [
    `# Bot run: ${r.scenario} over ${r.stack}, ${r.processes} process${r.processes === 1 ? '' : 'es'}, ${(r.durationMs / 1000).toFixed(1)} s — ${r.missed.length ? 'FAILED' : 'passed'}`,
    '',
  ]
  for (const [name, g] of Object.entries(r.groups)) {
    lines.push(
      `## ${name}: ${g.played}/${g.bots} played, ${g.failed} failed (error rate ${(g.errorRate * 100).toFixed(2)}%)`,
      '',
    )
    if (Object.keys(g.requests).length) {
      lines.push(
        ...table(
          ['request', 'count', 'p50 ms', 'p99 ms', 'max ms'],
          Object.entries(g.requests).map(([k, f]) => [k, f.count, f.p50Ms, f.p99Ms, f.maxMs]),
        ),
        '',
      )
    }
    if (g.chat)
      lines.push(
        `Chat: ${g.chat.lines} lines sent (${g.chat.rateLimited} refused CHAT_RATE_LIMITED), ${g.chat.deliveries} deliveries, ${g.chat.deliveriesPerS} deliveries/s; fan-out latency (send → each receiver) p50 ${g.chat.fanoutP50Ms} ms, p99 ${g.chat.fanoutP99Ms} ms, max ${g.chat.fanoutMaxMs} ms`,
        '',
      )
    const counts = Object.entries(g.counts).filter(
      ([k]) => !k.includes('.') || k === 'sessions.lost' || k === 'login.busy',
    )
    if (counts.length) lines.push(`Counts: ${counts.map(([k, n]) => `${k} ${n}`).join(', ')}`, '')
    if (Object.keys(g.errors).length)
      lines.push(...table(['error code', 'bots'], Object.entries(g.errors)), '')
    if (Object.keys(g.recovered).length) {
      lines.push(...table(['recovered (logged in again)', 'times'], Object.entries(g.recovered)), '')
      for (const f of g.recoveredSamples) lines.push(`- recovered: ${f}`)
      lines.push('')
    }
    for (const f of g.failures) lines.push(`- ${f}`)
    if (g.failures.length) lines.push('')
  }
  const before = r.groups.polite
  const after = r.groups['polite-under-attack']
  if (before && after) {
    lines.push('## Polite players before and under attack', '')
    const types = [...new Set([...Object.keys(before.requests), ...Object.keys(after.requests)])].sort()
    lines.push(
      ...table(
        ['request', 'p50 before', 'p99 before', 'p50 under attack', 'p99 under attack'],
        types.map((t) => [
          t,
          before.requests[t]?.p50Ms ?? '-',
          before.requests[t]?.p99Ms ?? '-',
          after.requests[t]?.p50Ms ?? '-',
          after.requests[t]?.p99Ms ?? '-',
        ]),
      ),
      '',
      `Errors before: ${before.failed}, under attack: ${after.failed}.`,
      '',
    )
  }
  if (Object.keys(r.hostile).length) {
    lines.push('## Hostile bots', '')
    lines.push(
      ...table(
        ['kind', 'tries', 'outcomes', 'documented', 'refused as documented'],
        Object.entries(r.hostile).map(([k, h]) => [
          k,
          h.does,
          Object.entries(h.outcomes)
            .map(([o, n]) => `${o} ×${n}`)
            .join(', '),
          h.expected.join(', '),
          h.refusedAsDocumented ? 'yes' : '**NO**',
        ]),
      ),
      '',
    )
  }
  if (r.missed.length) lines.push('## Thresholds missed', '', ...r.missed.map((m) => `- ${m}`), '')
  return `${lines.join('\n')}\n`
}
