import type { Metrics } from '@tessera/kernel'
import { STATEMENT_CLASSES } from './db/query-metrics.js'
import type { Storage } from './storage.js'

// Storages whose figures each registry exports. Keyed by registry so two
// applications in one process (tests) never mix series, and several storages
// of one application share one set of metric families (labelled by database).
const sources = new WeakMap<Metrics, Storage[]>()

/**
 * Export a storage's figures, read at scrape time: statements by class
 * (count, errors, QPS, latency min/max/avg) and row figures (dirty marks,
 * dirty rows, loaded, landed, dumped, errored, rejected, dump backlog).
 * Returns a function that stops exporting this storage.
 */
export function registerStorageMetrics(metrics: Metrics, storage: Storage): () => void {
  let list = sources.get(metrics)
  if (!list) {
    list = []
    sources.set(metrics, list)
    const all = list
    metrics.gauge<'database' | 'class' | 'figure'>({
      name: 'tessera_storage_statements',
      help: 'MySQL statements by class: count and errors since start, qps over the last scrape window, latency min/max/avg in ms',
      labelNames: ['database', 'class', 'figure'],
      collect() {
        this.reset()
        for (const s of all) {
          const st = s.stats()
          for (const cls of STATEMENT_CLASSES) {
            const q = st.queries[cls]
            for (const figure of ['count', 'errors', 'qps', 'minMs', 'maxMs', 'avgMs'] as const)
              this.set({ database: st.database, class: cls, figure }, q[figure])
          }
        }
      },
    })
    metrics.gauge<'database' | 'figure'>({
      name: 'tessera_storage_rows',
      help: 'Row figures: dirty marks since start, dirty and loaded rows now, rows landed/dumped/errored/rejected since start, dump backlog',
      labelNames: ['database', 'figure'],
      collect() {
        this.reset()
        for (const s of all) {
          const { database, queries: _q, ...figures } = s.stats()
          for (const [figure, v] of Object.entries(figures)) this.set({ database, figure }, v)
        }
      },
    })
  }
  list.push(storage)
  return () => {
    const i = list.indexOf(storage)
    if (i >= 0) list.splice(i, 1)
  }
}
