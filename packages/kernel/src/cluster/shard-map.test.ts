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

describe('ShardMap with the center table', () => {
  const table = (version: number, owners: number[], moving: number[] = []) => ({
    version,
    shardCount: owners.length,
    owners,
    moving,
  })

  it('routes by the adopted table, ignores an older one, keeps names on the configured slots', () => {
    const m = new ShardMap([1, 2], 8)
    const name = m.logicOfName('room')
    const owners = [1, 2, 1, 2, 1, 2, 1, 2]
    expect(m.adopt(table(3, owners))).toBe(true)
    for (let i = 0n; i < 50n; i++) expect(m.logicOf(i)).toBe(owners[m.shardOf(i)])
    const moved = owners.map((o, s) => (s === 5 ? 9 : o))
    expect(m.adopt(table(4, moved))).toBe(true)
    expect(m.adopt(table(4, owners))).toBe(false)
    expect(m.version).toBe(4)
    const uid = [...Array(200).keys()].map(BigInt).find((u) => m.shardOf(u) === 5)!
    expect(m.logicOf(uid)).toBe(9)
    expect(m.logicOfName('room')).toBe(name)
  })

  it('holds a moving shard until a table says it is served, or the wait ends', async () => {
    const m = new ShardMap([1], 4)
    m.adopt(table(1, [1, 1, 1, 1], [0, 1, 2, 3]))
    expect(m.isMoving(7n)).toBe(true)
    expect(m.isShardMoving(m.shardOf(7n))).toBe(true)
    expect(await m.whenServing(7n, 20)).toBe(false)
    const waiting = m.whenServing(7n, 60_000)
    m.adopt(table(2, [2, 2, 2, 2]))
    expect(await waiting).toBe(true)
    expect(m.logicOf(7n)).toBe(2)
    expect(m.isShardMoving(m.shardOf(7n))).toBe(false)
  })

  it('refuses a table whose owner list does not match its shard count', () => {
    const m = new ShardMap([1], 4)
    expect(() => m.adopt({ version: 1, shardCount: 4, owners: [1, 1], moving: [] })).toThrow(/owners/)
  })
})
