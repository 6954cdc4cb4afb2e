// Prometheus text → the figures a soak tracks. Only what the soak reads is
// parsed: `name{labels} value` lines, labels as a flat record.

import type { FigureName } from './judge.js'

export interface MetricLine {
  name: string
  labels: Record<string, string>
  value: number
}

/** Every sample line of a Prometheus text body. */
export function parseMetrics(text: string): MetricLine[] {
  const out: MetricLine[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] as string] = l[2] as string
    out.push({ name: m[1] as string, labels, value: Number(m[3]) })
  }
  return out
}

/** One sample's figures (see judge.ts FIGURES); a figure the service does not export is absent. */
export function sampleValues(metrics: MetricLine[]): Partial<Record<FigureName, number>> {
  const one = (name: string) => metrics.find((m) => m.name === name)?.value
  const values: Partial<Record<FigureName, number>> = {}
  const rss = one('process_resident_memory_bytes')
  if (rss !== undefined) values.rssBytes = rss
  const heap = one('nodejs_heap_size_used_bytes')
  if (heap !== undefined) values.heapBytes = heap
  const fds = one('process_open_fds')
  if (fds !== undefined) values.fds = fds
  const lag = one('nodejs_eventloop_lag_p99_seconds')
  if (lag !== undefined) values.lagP99Ms = lag * 1000
  // Storage backlog: rows waiting for the database (dirty) plus records waiting in the dump file, over every database.
  const rows = metrics.filter(
    (m) =>
      m.name === 'tessera_storage_rows' &&
      (m.labels.figure === 'dirtyRows' || m.labels.figure === 'dumpPending'),
  )
  if (rows.length > 0) values.backlog = rows.reduce((a, m) => a + m.value, 0)
  return values
}
