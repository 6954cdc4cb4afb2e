import type { ShardTable } from '@tessera/kernel'

/** One group of a move: shards that go from one logic to another. */
export interface MoveGroup {
  from: number
  to: number
  shards: number[]
}

/**
 * Which shards to move to `to`: the listed ones, or `count` of them taken
 * one at a time from the logic holding the most (so an added logic ends up
 * with an even part), grouped by their current owner. Shards `to` already
 * holds are left out. Throws a message for the operator on bad input.
 */
export function planMove(
  table: ShardTable,
  to: number,
  pick: { shards?: number[]; count?: number },
): MoveGroup[] {
  const chosen: number[] = []
  if (pick.shards !== undefined) {
    for (const s of pick.shards) {
      if (!Number.isInteger(s) || s < 0 || s >= table.shardCount)
        throw new Error(`shard ${s} is not in 0..${table.shardCount - 1}`)
      if (table.owners[s] !== to && !chosen.includes(s)) chosen.push(s)
    }
  } else {
    const count = pick.count ?? 0
    const held = new Map<number, number[]>()
    for (let s = 0; s < table.shardCount; s++) {
      const o = table.owners[s]!
      if (o === to) continue
      const l = held.get(o)
      if (l) l.push(s)
      else held.set(o, [s])
    }
    for (let i = 0; i < count; i++) {
      let best: number[] | undefined
      for (const l of held.values())
        if (l.length > 0 && (best === undefined || l.length > best.length)) best = l
      if (best === undefined) break
      chosen.push(best.pop()!)
    }
  }
  const moving = new Set(table.moving)
  const busy = chosen.filter((s) => moving.has(s))
  if (busy.length > 0) throw new Error(`shards already moving: ${busy.slice(0, 10).join(', ')}`)
  const groups = new Map<number, MoveGroup>()
  for (const s of chosen.sort((a, b) => a - b)) {
    const from = table.owners[s]!
    const g = groups.get(from)
    if (g) g.shards.push(s)
    else groups.set(from, { from, to, shards: [s] })
  }
  return [...groups.values()]
}
