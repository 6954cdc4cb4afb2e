import type { MemoryGuard } from '../memory/index.js'
import type { Metrics } from './metrics.js'

// Memory guards each registry exports (one process may run several services,
// each with its own guard: tests, a single-node setup).
const guards = new WeakMap<Metrics, Set<MemoryGuard>>()

/**
 * Export a memory guard's state under the label `scope` (its own), read at
 * scrape time. Returns a function that stops exporting it.
 */
export function registerMemoryGuardMetrics(metrics: Metrics, guard: MemoryGuard): () => void {
  let all = guards.get(metrics)
  if (!all) {
    const set = new Set<MemoryGuard>()
    all = set
    guards.set(metrics, set)
    metrics.gauge<'scope'>({
      name: 'tessera_memory_guard_over',
      help: '1 while the memory guard is over its threshold (new sessions refused, logins queued), else 0',
      labelNames: ['scope'],
      collect() {
        this.reset()
        for (const g of set) this.set({ scope: g.scope }, g.over ? 1 : 0)
      },
    })
    metrics.gauge<'scope' | 'kind'>({
      name: 'tessera_memory_guard_threshold_bytes',
      help: 'Memory guard thresholds by kind (rss, heap); 0 = none',
      labelNames: ['scope', 'kind'],
      collect() {
        this.reset()
        for (const g of set) {
          this.set({ scope: g.scope, kind: 'rss' }, g.rssBytes)
          this.set({ scope: g.scope, kind: 'heap' }, g.heapBytes)
        }
      },
    })
    metrics.gauge<'scope'>({
      name: 'tessera_memory_guard_entered',
      help: 'Times the memory guard went over its threshold since start',
      labelNames: ['scope'],
      collect() {
        this.reset()
        for (const g of set) this.set({ scope: g.scope }, g.entered)
      },
    })
    metrics.gauge<'scope'>({
      name: 'tessera_memory_guard_held_back',
      help: 'New sessions refused or logins queued because the memory guard was over, since start',
      labelNames: ['scope'],
      collect() {
        this.reset()
        for (const g of set) this.set({ scope: g.scope }, g.heldBack)
      },
    })
  }
  const set = all
  set.add(guard)
  return () => void set.delete(guard)
}
