import { afterEach, describe, expect, it } from 'vitest'
import { MemoryMonitor } from '../memory/index.js'
import {
  type AdminServer,
  createAppMetrics,
  Metrics,
  registerMemoryMetrics,
  startAdminServer,
} from './index.js'

const open: AdminServer[] = []
afterEach(async () => {
  for (const s of open.splice(0)) await s.close()
})

async function admin(metrics: Metrics, state: () => unknown = () => ({ ok: true })): Promise<string> {
  const s = await startAdminServer({ address: 'http://127.0.0.1:0', metrics, state })
  open.push(s)
  return s.address
}

describe('Metrics', () => {
  it('keeps series of two applications apart (no shared registry)', async () => {
    const a = new Metrics({ processMetrics: false })
    const b = new Metrics({ processMetrics: false })
    a.counter({ name: 'x_total', help: 'x' }).inc(3)
    b.counter({ name: 'x_total', help: 'x' }).inc(5)
    expect(await a.text()).toContain('x_total 3')
    expect(await b.text()).toContain('x_total 5')
  })

  it('exposes counters, gauges and latency histograms in Prometheus text', async () => {
    const m = new Metrics({ processMetrics: false, defaultLabels: { app: 'test' } })
    m.counter<'kind'>({ name: 'msgs_total', help: 'messages', labelNames: ['kind'] }).inc({ kind: 'req' }, 2)
    m.gauge({ name: 'queue_len', help: 'queue' }).set(7)
    const h = m.histogram({ name: 'rpc_seconds', help: 'latency' })
    h.observe(0.0003)
    h.observe(0.02)
    const text = await m.text()
    expect(text).toContain('# TYPE msgs_total counter')
    expect(text).toContain('msgs_total{kind="req",app="test"} 2')
    expect(text).toContain('queue_len{app="test"} 7')
    expect(text).toContain('rpc_seconds_bucket{le="0.0005",app="test"} 1')
    expect(text).toContain('rpc_seconds_count{app="test"} 2')
  })

  it('reads the memory monitor at scrape time, reporters and totals included', async () => {
    const monitor = new MemoryMonitor({
      read: () => ({ rss: 1000, heapTotal: 500, heapUsed: 400, external: 30, arrayBuffers: 20 }),
    })
    const m = new Metrics({ processMetrics: false })
    registerMemoryMetrics(m, monitor)
    monitor.register('pool', () => ({ bytes: 4096, count: 4 }))
    const text = await m.text()
    expect(text).toContain('tessera_memory_process_bytes{kind="rss"} 1000')
    expect(text).toContain('tessera_memory_reporter_bytes{reporter="pool"} 4096')
    expect(text).toContain('tessera_memory_reporter_count{reporter="pool"} 4')
    expect(text).toContain('tessera_memory_reported_bytes_total 4096')
    expect(text).toContain('tessera_memory_leak_warnings 0')
  })
})

describe('createAppMetrics', () => {
  it('labels every series with app and node and includes the memory monitor', async () => {
    const m = createAppMetrics({ app: 'logic', node: 'n7', memory: new MemoryMonitor() })
    const text = await m.text()
    expect(text).toMatch(/tessera_memory_process_bytes\{kind="rss",app="logic",node="n7"\} \d+/)
    expect(text).toContain('process_cpu_user_seconds_total{app="logic",node="n7"}')
  })
})

describe('startAdminServer', () => {
  it('serves /metrics, /admin/state and 404 over real HTTP', async () => {
    const m = new Metrics()
    m.counter({ name: 'hits_total', help: 'hits' }).inc()
    const base = await admin(m, () => ({ services: ['center#1'], epoch: 12n }))
    const r1 = await fetch(`${base}/metrics`)
    expect(r1.status).toBe(200)
    expect(r1.headers.get('content-type')).toContain('text/plain')
    const body = await r1.text()
    expect(body).toContain('hits_total 1')
    expect(body).toContain('process_cpu_user_seconds_total')
    const r2 = await fetch(`${base}/admin/state`)
    expect(r2.status).toBe(200)
    expect(await r2.json()).toEqual({ services: ['center#1'], epoch: '12' })
    expect((await fetch(`${base}/nope`)).status).toBe(404)
  })

  it('answers 500 (not a crash) when the state callback throws', async () => {
    const base = await admin(new Metrics({ processMetrics: false }), () => {
      throw new Error('boom')
    })
    expect((await fetch(`${base}/admin/state`)).status).toBe(500)
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
  })
})
