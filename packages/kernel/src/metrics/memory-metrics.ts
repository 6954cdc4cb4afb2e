import type { MemoryMonitor } from '../memory/index.js'
import type { Metrics } from './metrics.js'

/**
 * Export the memory monitor: process figures, every reporter's bytes and
 * count, their totals and the leak-warning count. Read at scrape time, so a
 * reporter added later shows up without re-registering.
 */
export function registerMemoryMetrics(metrics: Metrics, monitor: MemoryMonitor): void {
  metrics.gauge<'kind'>({
    name: 'tessera_memory_process_bytes',
    help: 'Process memory by kind (rss, heapTotal, heapUsed, external, arrayBuffers)',
    labelNames: ['kind'],
    collect() {
      const p = monitor.snapshot().process
      for (const [kind, v] of Object.entries(p)) this.set({ kind }, v)
    },
  })
  metrics.gauge<'reporter'>({
    name: 'tessera_memory_reporter_bytes',
    help: 'Bytes held by each registered pool or buffer registry',
    labelNames: ['reporter'],
    collect() {
      this.reset()
      for (const [reporter, r] of Object.entries(monitor.snapshot().reporters))
        this.set({ reporter }, r.bytes)
    },
  })
  metrics.gauge<'reporter'>({
    name: 'tessera_memory_reporter_count',
    help: 'Objects held by each registered pool or buffer registry',
    labelNames: ['reporter'],
    collect() {
      this.reset()
      for (const [reporter, r] of Object.entries(monitor.snapshot().reporters))
        this.set({ reporter }, r.count)
    },
  })
  metrics.gauge({
    name: 'tessera_memory_reported_bytes_total',
    help: 'Sum of the bytes of every memory reporter',
    collect() {
      this.set(monitor.snapshot().totals.bytes)
    },
  })
  metrics.gauge({
    name: 'tessera_memory_reported_count_total',
    help: 'Sum of the counts of every memory reporter',
    collect() {
      this.set(monitor.snapshot().totals.count)
    },
  })
  metrics.gauge({
    name: 'tessera_memory_leak_warnings',
    help: 'Leak warnings raised (steady RSS growth over the sample window)',
    collect() {
      this.set(monitor.leakWarnings)
    },
  })
  metrics.gauge({
    name: 'tessera_memory_rss_slope_bytes_per_min',
    help: 'RSS growth per minute over the sample window (0 until enough samples)',
    collect() {
      this.set(monitor.snapshot().rssSlopeBytesPerMin ?? 0)
    },
  })
}
