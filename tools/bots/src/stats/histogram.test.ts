import { describe, expect, it } from 'vitest'
import { BotStats } from './bot-stats.js'
import { Histogram } from './histogram.js'

describe('Histogram', () => {
  it('gives quantiles within 2% of the exact ones', () => {
    const h = new Histogram()
    const xs = Array.from({ length: 10_000 }, (_v, i) => 0.05 + (i % 1000) * 1.7)
    for (const x of xs) h.record(x)
    const sorted = [...xs].sort((a, b) => a - b)
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!
      expect(Math.abs(h.quantile(q) - exact) / exact).toBeLessThan(0.021)
    }
    expect(h.maxMs).toBe(sorted.at(-1))
  })

  it('merging the halves gives what one histogram of everything gives', () => {
    const all = new Histogram()
    const a = new Histogram()
    const b = new Histogram()
    for (let i = 0; i < 500; i++) {
      const x = (i * 7919) % 613
      all.record(x)
      ;(i % 2 ? a : b).record(x)
    }
    const m = new Histogram()
    m.merge(JSON.parse(JSON.stringify(a.toJSON())))
    m.merge(b.toJSON())
    expect(m.count).toBe(all.count)
    for (const q of [0.5, 0.99]) expect(m.quantile(q)).toBe(all.quantile(q))
  })
})

describe('BotStats snapshots', () => {
  it('merge adds counts, errors, refusals and latency of several processes', () => {
    const one = new BotStats()
    one.target = 2
    one.count('logins', 3)
    one.sample('echo', 5)
    one.fail('b1', Object.assign(new Error('x'), { code: 'CLIENT_TIMEOUT' }))
    one.refused('flood', 'CUT')
    one.recovered('CLIENT_SESSION_LOST')
    const two = new BotStats()
    two.target = 1
    two.count('logins')
    two.sample('echo', 9)
    two.refused('flood', 'CUT')
    two.refused('flood', 'NOT_REFUSED')
    const m = new BotStats()
    m.merge(JSON.parse(JSON.stringify(one.snapshot())))
    m.merge(two.snapshot())
    const s = m.snapshot()
    expect(s.target).toBe(3)
    expect(s.counts.logins).toBe(4)
    expect(s.errors).toEqual({ CLIENT_TIMEOUT: 1 })
    expect(s.refusals).toEqual({ flood: { CUT: 2, NOT_REFUSED: 1 } })
    expect(s.recovered).toEqual({ CLIENT_SESSION_LOST: 1 })
    expect(m.histogram('echo')!.count).toBe(2)
    expect(s.failures[0]).toMatch(/bot b1: CLIENT_TIMEOUT: x/)
  })
})
