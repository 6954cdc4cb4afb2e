import type { Counter, Histogram, Metrics } from '@tessera/kernel'

export type Front = 'http' | 'socket' | 'cluster'

/** Requests by front, operation and result code, with their latency: what the login dashboards show. */
export class OpCounter {
  private readonly total: Counter<'front' | 'op' | 'code'>
  private readonly seconds: Histogram<'front' | 'op'>

  constructor(metrics: Metrics) {
    this.total = metrics.counter({
      name: 'login_requests_total',
      help: 'Login requests by front (http, socket, cluster), operation and result code (OK or the error code)',
      labelNames: ['front', 'op', 'code'],
    })
    this.seconds = metrics.histogram({
      name: 'login_request_seconds',
      help: 'Login request latency by front and operation',
      labelNames: ['front', 'op'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    })
  }

  done(front: Front, op: string, code: string, ms: number): void {
    this.total.inc({ front, op, code })
    this.seconds.observe({ front, op }, ms / 1000)
  }
}
