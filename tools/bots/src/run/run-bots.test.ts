import { describe, expect, it } from 'vitest'
import { windDownS } from './run-bots.js'

describe('windDownS', () => {
  it('gives a small run 15 s (at most a quarter of it) to finish its rounds', () => {
    expect(windDownS(120, 10, 20)).toBe(15)
    expect(windDownS(20, 10, 20)).toBe(5)
    expect(windDownS(2)).toBe(1)
  })

  it('lets many bots leave at the pace they came, within a quarter of the run', () => {
    // 2,000 bots ramped at 8/s: their logouts get 250 s, not 15.
    expect(windDownS(1800, 2000, 8)).toBe(250)
    expect(windDownS(600, 2000, 8)).toBe(150)
  })
})
