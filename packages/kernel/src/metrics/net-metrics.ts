import type { NetServer } from '../net/index.js'
import type { Metrics } from './metrics.js'

// Net servers whose figures each registry exports (one application may run
// several: a client port, each service's cluster links, the admin port).
const sources = new WeakMap<Metrics, { net: NetServer; scope: string }[]>()

/**
 * Export a NetServer's counters and live sessions by type, read at scrape
 * time under the label `scope`. Returns a function that stops exporting it.
 */
export function registerNetMetrics(metrics: Metrics, net: NetServer, scope: string): () => void {
  let list = sources.get(metrics)
  if (!list) {
    list = []
    sources.set(metrics, list)
    const all = list
    metrics.gauge<'scope' | 'type'>({
      name: 'tessera_net_sessions',
      help: 'Live sessions by session type',
      labelNames: ['scope', 'type'],
      collect() {
        this.reset()
        for (const { net, scope } of all) {
          const n = { client: 0, service: 0, admin: 0 }
          for (const s of net.list()) n[s.type]++
          for (const [type, v] of Object.entries(n)) this.set({ scope, type }, v)
        }
      },
    })
    metrics.gauge<'scope' | 'counter'>({
      name: 'tessera_net_events',
      help: 'Net counters since start (accepted, refused, released, dropped broadcasts, ...)',
      labelNames: ['scope', 'counter'],
      collect() {
        this.reset()
        for (const { net, scope } of all) {
          for (const [counter, v] of Object.entries(net.counters)) this.set({ scope, counter }, v)
        }
      },
    })
  }
  const entry = { net, scope }
  list.push(entry)
  return () => {
    const i = list.indexOf(entry)
    if (i >= 0) list.splice(i, 1)
  }
}
