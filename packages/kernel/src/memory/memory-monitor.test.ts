import { describe, expect, it } from 'vitest'
import type { AlertInput } from '../alerts/index.js'
import type { Logger } from '../log/index.js'
import { MemoryMonitor, type ProcessMemory } from './index.js'

function fakeProcess(rss: () => number): () => ProcessMemory {
  return () => ({ rss: rss(), heapTotal: 10, heapUsed: 5, external: 1, arrayBuffers: 1 })
}

function captureLogger(): { logger: Logger; warns: unknown[]; errors: unknown[] } {
  const warns: unknown[] = []
  const errors: unknown[] = []
  const logger = {
    warn: (o: unknown) => warns.push(o),
    error: (o: unknown) => errors.push(o),
  } as unknown as Logger
  return { logger, warns, errors }
}

describe('MemoryMonitor', () => {
  it('sums registered reporters and reports process figures', () => {
    const m = new MemoryMonitor()
    let pooled = 3
    m.register('pool', () => ({ bytes: pooled * 100, count: pooled }))
    m.register('buffers', () => ({ bytes: 50, count: 1 }))
    let s = m.snapshot()
    expect(s.totals).toEqual({ bytes: 350, count: 4 })
    expect(s.process.rss).toBeGreaterThan(0)
    pooled = 0
    s = m.snapshot()
    expect(s.reporters.pool).toEqual({ bytes: 0, count: 0 })
    expect(() => m.register('pool', () => ({ bytes: 0, count: 0 }))).toThrow(/twice/)
  })

  it('warns once when RSS grows steadily, and not on a flat or noisy series', () => {
    let t = 0
    let rss = 100e6
    const { logger, warns } = captureLogger()
    const alerts: AlertInput[] = []
    const m = new MemoryMonitor({
      logger,
      onAlert: (a) => alerts.push(a),
      window: 10,
      leakWarnBytesPerMin: 1e6,
      read: fakeProcess(() => rss),
      now: () => t,
    })
    // Flat with noise: no warning.
    for (let i = 0; i < 20; i++) {
      rss = 100e6 + (i % 2 ? 3e6 : -3e6)
      t += 10_000
      m.sample()
    }
    expect(warns).toHaveLength(0)
    // 2 MB every 10 s = 12 MB/min, steadily.
    for (let i = 0; i < 20; i++) {
      rss += 2e6
      t += 10_000
      m.sample()
    }
    expect(warns).toHaveLength(1)
    expect(m.leakWarnings).toBe(1)
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ kind: 'memory-leak', severity: 'warning' })
    expect(m.snapshot().rssSlopeBytesPerMin).toBeCloseTo(12e6, -3)
  })

  it('runs every cleaner at shutdown even if one throws', async () => {
    const { logger, errors } = captureLogger()
    const m = new MemoryMonitor({ logger })
    const ran: string[] = []
    m.register(
      'a',
      () => ({ bytes: 0, count: 0 }),
      () => void ran.push('a'),
    )
    m.register(
      'b',
      () => ({ bytes: 0, count: 0 }),
      () => {
        throw new Error('b failed')
      },
    )
    m.register(
      'c',
      () => ({ bytes: 0, count: 0 }),
      async () => void ran.push('c'),
    )
    await m.cleanup()
    expect(ran).toEqual(['c', 'a'])
    expect(errors).toHaveLength(1)
  })
})
