// The live view of a run: bots connected / target, logins/s, requests/s,
// pushes/s, reconnects and resumes, p50/p99 per request type, errors by
// code. Redrawn in place on a terminal (log-update); plain lines, every few
// seconds, when the output is not a terminal (CI, a log file).
import { createLogUpdate } from 'log-update'
import type { RunSnapshot } from '../run/run-bots.js'
import { mergeGroups } from '../stats/report.js'

export interface LiveViewOptions {
  /** Where to draw (default stderr: stdout carries the report). */
  stream?: NodeJS.WriteStream
  /** Redraw in place; default: when the stream is a TTY. */
  tty?: boolean
  /** Non-TTY: one line this often. */
  plainEveryMs?: number
  durationS: number
  title: string
}

const RATES = ['logins', 'requests', 'pushes'] as const

/** One frame of the view from the merged snapshots; `prev` gives the rates. */
export function viewLines(
  runs: readonly RunSnapshot[],
  prev: { atMs: number; counts: Record<string, number> } | null,
  nowMs: number,
  o: { durationS: number; title: string },
): { lines: string[]; counts: Record<string, number> } {
  const merged = mergeGroups(runs)
  let target = 0
  let connected = 0
  let failed = 0
  const counts: Record<string, number> = {}
  const errors: Record<string, number> = {}
  const recovered: Record<string, number> = {}
  const lat: string[] = []
  for (const [name, g] of merged) {
    const s = g.snapshot()
    target += s.target
    connected += s.connected
    failed += s.failed
    for (const [k, n] of Object.entries(s.counts)) counts[k] = (counts[k] ?? 0) + n
    for (const [k, n] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + n
    for (const [k, n] of Object.entries(s.recovered)) recovered[k] = (recovered[k] ?? 0) + n
    const types = g.requestTypes()
    if (types.length)
      lat.push(
        `  ${name}: ${types.map((t) => `${t} ${fmt(g.histogram(t)!.quantile(0.5))}/${fmt(g.histogram(t)!.quantile(0.99))}`).join('  ')}`,
      )
  }
  const dt = prev ? (nowMs - prev.atMs) / 1000 : 0
  const rate = (k: string) => (prev && dt > 0 ? ((counts[k] ?? 0) - (prev.counts[k] ?? 0)) / dt : 0)
  const elapsedS = Math.max(0, ...runs.map((r) => r.elapsedMs)) / 1000
  const lines = [
    `${o.title} · ${elapsedS.toFixed(0)}/${o.durationS} s · bots connected ${connected}/${target}`,
    `${RATES.map((k) => `${k} ${rate(k).toFixed(1)}/s`).join(' · ')} · reconnects ${counts.reconnects ?? 0} · resumes ${counts.resumes ?? 0} · rounds ${counts.rounds ?? 0}`,
    `failed bots ${failed}${
      Object.keys(errors).length
        ? ` (${Object.entries(errors)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')})`
        : ''
    }${
      Object.keys(recovered).length
        ? ` · recovered ${Object.entries(recovered)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')}`
        : ''
    }`,
  ]
  if (lat.length) lines.push('p50/p99 ms by request:', ...lat)
  return { lines, counts }
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1))

export class LiveView {
  private prev: { atMs: number; counts: Record<string, number> } | null = null
  private lastPlain = 0
  private readonly draw: ReturnType<typeof createLogUpdate> | null
  private readonly stream: NodeJS.WriteStream
  private readonly plainEveryMs: number

  constructor(private readonly o: LiveViewOptions) {
    this.stream = o.stream ?? process.stderr
    // A terminal of zero rows (a pty nobody sized) shows nothing redrawn: plain lines then.
    const tty = o.tty ?? (this.stream.isTTY === true && (this.stream.rows ?? 24) > 0)
    this.draw = tty ? createLogUpdate(this.stream, { showCursor: true }) : null
    this.plainEveryMs = o.plainEveryMs ?? 5000
  }

  update(runs: readonly RunSnapshot[], final = false): void {
    const now = performance.now()
    const { lines, counts } = viewLines(runs, this.prev, now, this.o)
    if (this.prev === null || now - this.prev.atMs >= 900) this.prev = { atMs: now, counts }
    if (this.draw) {
      this.draw(lines.join('\n'))
      if (final) this.draw.done()
      return
    }
    if (!final && now - this.lastPlain < this.plainEveryMs) return
    this.lastPlain = now
    // One line per update: easy to grep in a log.
    this.stream.write(`${lines.slice(0, 3).join(' | ')}\n`)
  }
}
