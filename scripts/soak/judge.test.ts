// The soak's verdict and what it reads from a service's /metrics.
import { Metrics } from '@tessera/kernel'
import { registerStorageMetrics, type Storage } from '@tessera/storage'
import { describe, expect, it } from 'vitest'
import { judgeSoak, MIN_POINTS } from './judge.js'
import { parseMetrics, sampleValues } from './metrics.js'

const MiB = 2 ** 20
/** Samples every 10 s for `n` points of one service with rss = f(i) (other figures flat). */
function series(n: number, rss: (i: number) => number, service = 'gateway#200') {
  return Array.from({ length: n }, (_, i) => ({
    t: i * 10,
    service,
    values: { rssBytes: rss(i), heapBytes: 30 * MiB, fds: 40, lagP99Ms: 12 },
  }))
}
const verdict = (r: ReturnType<typeof judgeSoak>, figure: string, service = 'gateway#200') =>
  r.rows.find((x) => x.figure === figure && x.service === service)?.verdict

describe('soak verdict', () => {
  it('a figure that keeps growing after warm-up fails the soak; noise and saw-teeth around a level do not', () => {
    // 100 MiB plus 1 MiB a sample: 60 MiB between the thirds of 90 samples, over the 32 MiB allowance.
    const leak = judgeSoak(
      series(90, (i) => 100 * MiB + i * MiB),
      { warmupS: 0 },
    )
    expect(verdict(leak, 'rssBytes')).toBe('grows')
    expect(leak.ok).toBe(false)
    expect(verdict(leak, 'heapBytes')).toBe('flat')
    // A GC saw-tooth of ±20 MiB around 150 MiB, and a single spike: flat.
    const saw = judgeSoak(
      series(90, (i) => 150 * MiB + (i % 6) * 8 * MiB - 20 * MiB + (i === 80 ? 300 * MiB : 0)),
      { warmupS: 0 },
    )
    expect(verdict(saw, 'rssBytes')).toBe('flat')
    expect(saw.ok).toBe(true)
  })

  it('growth inside the warm-up is not judged; a large process gets a relative allowance', () => {
    // Climbs 200 MiB in the first 30 samples (warm-up, 300 s), then flat.
    const warm = judgeSoak(
      series(90, (i) => (i < 30 ? i * 7 * MiB : 210 * MiB)),
      { warmupS: 300 },
    )
    expect(verdict(warm, 'rssBytes')).toBe('flat')
    const judgedFromStart = judgeSoak(
      series(90, (i) => (i < 30 ? i * 7 * MiB : 210 * MiB)),
      { warmupS: 0 },
    )
    expect(verdict(judgedFromStart, 'rssBytes')).toBe('grows')
    // 2 GiB growing by 300 MiB: within 20 %.
    const big = judgeSoak(
      series(90, (i) => 2048 * MiB + (i / 90) * 300 * MiB),
      { warmupS: 0 },
    )
    expect(verdict(big, 'rssBytes')).toBe('flat')
  })

  it('too few samples after warm-up: no verdict rather than a guess; absent figures are left out', () => {
    const short = judgeSoak(
      series(MIN_POINTS + 2, (i) => i * 100 * MiB),
      { warmupS: 30 },
    )
    expect(verdict(short, 'rssBytes')).toBe('too-short')
    expect(short.ok).toBe(true)
    expect(short.rows.some((r) => r.figure === 'backlog')).toBe(false)
  })

  it('each service is judged on its own', () => {
    const r = judgeSoak(
      [...series(60, () => 100 * MiB, 'login'), ...series(60, (i) => 100 * MiB + i * 2 * MiB, 'logic#1')],
      { warmupS: 0 },
    )
    expect(verdict(r, 'rssBytes', 'login')).toBe('flat')
    expect(verdict(r, 'rssBytes', 'logic#1')).toBe('grows')
  })
})

describe('soak figures from /metrics', () => {
  it('reads RSS, heap, open files and event-loop lag from the process metrics every service exports', async () => {
    const m = new Metrics({ defaultLabels: { app: 'gateway', node: 'n' } })
    // The event-loop delay histogram needs a moment of samples.
    await new Promise((r) => setTimeout(r, 50))
    const v = sampleValues(parseMetrics(await m.text()))
    expect(v.rssBytes).toBeGreaterThan(10 * MiB)
    expect(v.heapBytes).toBeGreaterThan(MiB)
    expect(v.fds).toBeGreaterThan(2)
    expect(v.lagP99Ms).toBeGreaterThanOrEqual(0)
    expect(v).not.toHaveProperty('backlog')
  })

  it('the storage backlog is dirty rows plus dump records over every database of the process', async () => {
    const m = new Metrics({ processMetrics: false })
    const stats = (database: string, dirtyRows: number, dumpPending: number) =>
      ({
        stats: () => ({
          database,
          // Every statement class reads as zeros.
          queries: new Proxy(
            {},
            { get: () => ({ count: 0, errors: 0, qps: 0, minMs: 0, maxMs: 0, avgMs: 0 }) },
          ),
          dirtyRows,
          dumpPending,
          loadedRows: 1000,
          journalRecords: 77,
        }),
      }) as unknown as Storage
    registerStorageMetrics(m, stats('logic_11', 3, 4))
    registerStorageMetrics(m, stats('logic_12', 5, 0))
    const v = sampleValues(parseMetrics(await m.text()))
    expect(v.backlog).toBe(12)
  })
})
