import { describe, expect, it } from 'vitest'
import { planMove } from './shard-moves.js'

const table = (owners: number[], moving: number[] = []) => ({
  version: 1,
  shardCount: owners.length,
  owners,
  moving,
})

describe('planMove', () => {
  it('takes a count of shards from the fullest owners, grouped by owner', () => {
    const g = planMove(table([1, 1, 1, 2, 2, 2]), 3, { count: 3 })
    expect(g).toEqual([
      { from: 1, to: 3, shards: [1, 2] },
      { from: 2, to: 3, shards: [5] },
    ])
    // Never more than there are.
    expect(planMove(table([1, 3]), 3, { count: 5 })).toEqual([{ from: 1, to: 3, shards: [0] }])
  })

  it('moves listed shards, skipping those the target holds, and refuses bad or busy ones', () => {
    expect(planMove(table([1, 3, 1]), 3, { shards: [0, 1] })).toEqual([{ from: 1, to: 3, shards: [0] }])
    expect(() => planMove(table([1, 1]), 3, { shards: [2] })).toThrow(/not in 0..1/)
    expect(() => planMove(table([1, 1], [0]), 3, { shards: [0] })).toThrow(/already moving/)
  })
})
