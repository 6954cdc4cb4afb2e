// The admin page's figures: the sampler reads a real admin endpoint's
// /metrics and /admin/state over HTTP (kernel startAdminServer on 127.0.0.1)
// and turns counters into rates and histogram buckets into a p99.
import { createLogger, Metrics, type ServiceInfoMsg, ServiceStates, startAdminServer } from '@tessera/kernel'
import { freePort } from '@tessera/testkit'
import { describe, expect, it } from 'vitest'
import { ClusterSampler } from './cluster-sampler.js'
import { quantileBetween } from './prom-text.js'

function info(kind: string, serviceId: number, admin: string, load = 0): ServiceInfoMsg {
  return {
    kind,
    serviceId,
    node: 'n1',
    addresses: [],
    load,
    machineId: 0,
    dependsOn: [],
    state: ServiceStates.READY,
    startedAtMs: 1n,
    version: '0.1.0-alpha',
    admin,
  }
}

describe('quantileBetween', () => {
  it('interpolates the p99 inside its bucket, over the observations between two readings only', () => {
    const before = new Map([
      [0.01, 100],
      [0.1, 100],
      [Number.POSITIVE_INFINITY, 100],
    ])
    const after = new Map([
      [0.01, 100],
      [0.1, 200],
      [Number.POSITIVE_INFINITY, 200],
    ])
    // 100 new observations, all in (0.01, 0.1]: rank 99 of 100 → 0.01 + 0.09·0.99.
    expect(quantileBetween(before, after, 0.99)).toBeCloseTo(0.0991, 6)
    expect(quantileBetween(after, after, 0.99)).toBeNull()
    // In the +Inf bucket: the top finite bound.
    expect(
      quantileBetween(
        undefined,
        new Map([
          [0.1, 0],
          [Number.POSITIVE_INFINITY, 5],
        ]),
        0.99,
      ),
    ).toBe(0.1)
  })
})

describe('ClusterSampler', () => {
  it('turns a service’s /metrics into msgs/s, p99 and players, and keeps its alerts', async () => {
    const metrics = new Metrics({ processMetrics: false })
    const msgs = metrics.gauge<'service' | 'counter'>({
      name: 'tessera_cluster_messages',
      help: 'h',
      labelNames: ['service', 'counter'],
    })
    const rtt = metrics.histogram<'service'>({
      name: 'tessera_cluster_request_seconds',
      help: 'h',
      labelNames: ['service'],
    })
    const players = metrics.gauge({ name: 'logic_player_sessions', help: 'h' })
    const server = await startAdminServer({
      address: 'http://127.0.0.1:0',
      metrics,
      state: () => ({ alerts: [{ atMs: 5, kind: 'memory-leak', severity: 'warning', title: 'rss grows' }] }),
    })
    const dead = `http://127.0.0.1:${await freePort()}`
    let now = 1_000_000
    const { logger } = createLogger({ level: 'silent', pretty: false })
    const sampler = new ClusterSampler({
      services: () => [info('logic', 1, server.address), info('gateway', 201, '', 7), info('logic', 2, dead)],
      self: { key: 'center', scrape: async () => ({ metrics: '', alerts: [] }) },
      intervalMs: 10_000,
      timeoutMs: 2000,
      now: () => now,
      logger,
    })
    try {
      msgs.set({ service: 'logic#1', counter: 'messagesReceived' }, 100)
      msgs.set({ service: 'logic#1', counter: 'lateResponses' }, 999)
      players.set(3)
      await sampler.sample()
      expect(sampler.latest('logic#1')).toMatchObject({ msgsPerSec: null, p99Ms: null, players: 3 })
      msgs.set({ service: 'logic#1', counter: 'messagesReceived' }, 150)
      msgs.set({ service: 'logic#1', counter: 'notificationsSent' }, 50)
      msgs.set({ service: 'logic#1', counter: 'lateResponses' }, 5000)
      for (let i = 0; i < 100; i++) rtt.observe({ service: 'logic#1' }, 0.003)
      now += 10_000
      await sampler.sample()
      const l = sampler.latest('logic#1')!
      // (150 + 50 − 100) messages in 10 s; lateResponses is not a message.
      expect(l.msgsPerSec).toBe(10)
      // Every observation in (2.5 ms, 5 ms]: p99 interpolated at 2.5 + 2.5·0.99.
      expect(l.p99Ms).toBeCloseTo(4.98, 1)
      expect(l.players).toBe(3)
      // No admin address: the heartbeat load only. Unreachable: the error is kept.
      expect(sampler.latest('gateway#201')).toBeUndefined()
      expect(sampler.latest('logic#2')?.error).toBeTruthy()
      const charts = sampler.charts()
      expect(charts.times).toEqual([1_000_000, 1_010_000])
      expect(charts.series['logic#1']).toEqual({ msgs: [null, 10], p99: [null, l.p99Ms], players: [3, 3] })
      expect(charts.series['gateway#201']!.players).toEqual([7, 7])
      expect(charts.series.center).toBeDefined()
      expect(sampler.alerts()).toEqual([
        { atMs: 5, kind: 'memory-leak', severity: 'warning', title: 'rss grows', from: 'logic#1' },
      ])
    } finally {
      await server.close()
    }
  })

  it('keeps one hour of samples', async () => {
    let now = 0
    const { logger } = createLogger({ level: 'silent', pretty: false })
    const sampler = new ClusterSampler({
      services: () => [info('gateway', 201, '', 1)],
      self: { key: 'center', scrape: async () => ({ metrics: '', alerts: [] }) },
      intervalMs: 60_000,
      timeoutMs: 100,
      now: () => now,
      logger,
    })
    for (let i = 0; i < 200; i++) {
      now += 60_000
      await sampler.sample()
    }
    const c = sampler.charts()
    expect(c.times.length).toBe(61)
    expect(c.series['gateway#201']!.players.length).toBe(61)
    expect(c.times[60]! - c.times[0]!).toBe(3_600_000)
  })
})
