import { describe, expect, it } from 'vitest'
import { StormWatch } from './storm-watch.js'

describe('StormWatch', () => {
  it('tells once per window when refused checks reach the threshold, and again in a later window', () => {
    const storms: number[] = []
    const w = new StormWatch(3, 60_000, (n) => storms.push(n))
    w.failed(0)
    w.failed(1)
    expect(storms).toEqual([])
    w.failed(2)
    w.failed(3)
    w.failed(4)
    expect(storms).toEqual([3])
    w.failed(60_000) // a new window starts the count again
    w.failed(60_001)
    expect(storms).toEqual([3])
    w.failed(60_002)
    expect(storms).toEqual([3, 3])
  })

  it('is off with a threshold of 0', () => {
    const storms: number[] = []
    const w = new StormWatch(0, 1000, (n) => storms.push(n))
    for (let i = 0; i < 100; i++) w.failed(i)
    expect(storms).toEqual([])
  })
})
