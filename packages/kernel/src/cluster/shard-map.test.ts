import { describe, expect, it } from 'vitest'
import { ShardMap } from './shard-map.js'

describe('ShardMap', () => {
  it('gives every gateway the same logic for a user, from configuration alone', () => {
    const a = new ShardMap([11, 12, 13], 4096)
    const b = new ShardMap([11, 12, 13], 4096)
    for (let i = 0n; i < 200n; i++) expect(a.logicOf(i)).toBe(b.logicOf(i))
  })

  it('spreads snowflake ids (low bits all zero) over every slot', () => {
    const m = new ShardMap([1, 2, 3, 4], 4096)
    const seen = new Map<number, number>()
    for (let t = 0n; t < 4000n; t++) {
      const uid = ((1_000_000n + t) << 22n) | (7n << 12n)
      const id = m.logicOf(uid)
      seen.set(id, (seen.get(id) ?? 0) + 1)
    }
    expect([...seen.keys()].sort()).toEqual([1, 2, 3, 4])
    for (const n of seen.values()) expect(n).toBeGreaterThan(800)
  })

  it('refuses an empty or duplicated slot list and too few shards', () => {
    expect(() => new ShardMap([], 16)).toThrow(/SHARD_MAP|empty/)
    expect(() => new ShardMap([1, 1], 16)).toThrow(/duplicates/)
    expect(() => new ShardMap([1, 2, 3], 2)).toThrow(/shards/)
  })

  it('places a name on one slot, the same for every process, spread over the slots', () => {
    const a = new ShardMap([1, 2, 3], 4096)
    const b = new ShardMap([1, 2, 3], 4096)
    const seen = new Set<number>()
    for (let i = 0; i < 300; i++) {
      expect(a.logicOfName(`room-${i}`)).toBe(b.logicOfName(`room-${i}`))
      seen.add(a.logicOfName(`room-${i}`))
    }
    expect([...seen].sort()).toEqual([1, 2, 3])
  })
})
