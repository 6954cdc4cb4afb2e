import type { NetServer } from '../net/index.js'
import type { Metrics } from './metrics.js'

/** Export a NetServer's counters and live sessions by type, read at scrape time. */
export function registerNetMetrics(metrics: Metrics, net: NetServer, scope: string): void {
  metrics.gauge<'scope' | 'type'>({
    name: 'tessera_net_sessions',
    help: 'Live sessions by session type',
    labelNames: ['scope', 'type'],
    collect() {
      const n = { client: 0, service: 0, admin: 0 }
      for (const s of net.list()) n[s.type]++
      for (const [type, v] of Object.entries(n)) this.set({ scope, type }, v)
    },
  })
  metrics.gauge<'scope' | 'counter'>({
    name: 'tessera_net_events',
    help: 'Net counters since start (accepted, refused, released, dropped broadcasts, ...)',
    labelNames: ['scope', 'counter'],
    collect() {
      for (const [counter, v] of Object.entries(net.counters)) this.set({ scope, counter }, v)
    },
  })
}
