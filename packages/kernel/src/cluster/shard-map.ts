import { createHash } from 'node:crypto'
import { ClusterBadShardMap } from './errors.js'

/**
 * Which logic service holds a player: user id → shard (a hash, so snowflake
 * ids, whose low bits are a per-millisecond sequence, still spread evenly)
 * → logic slot → that slot's service id. Everything comes from
 * configuration, so every gateway and logic process computes the same
 * answer, and a restarted logic keeps its service id and with it its players.
 * Gateways use it to bind a player to its logic; logic uses it to find the
 * home of a player it does not hold (private chat, mail to an offline player).
 */
export class ShardMap {
  readonly slots: readonly number[]
  readonly shards: number

  /** `key` names the configuration key of `slots` in errors (e.g. `gateway.logicSlots`). */
  constructor(slots: readonly number[], shards: number, key = 'logicSlots') {
    if (slots.length === 0) throw new ClusterBadShardMap(`${key} is empty`)
    if (new Set(slots).size !== slots.length) throw new ClusterBadShardMap(`${key} has duplicates`)
    if (!Number.isInteger(shards) || shards < slots.length)
      throw new ClusterBadShardMap(`shards ${shards} < ${slots.length} logic slots in ${key}`)
    this.slots = [...slots]
    this.shards = shards
  }

  shardOf(userId: bigint): number {
    return hash32(userId.toString()) % this.shards
  }

  /** The logic service id that holds this player. */
  logicOf(userId: bigint): number {
    return this.slots[this.shardOf(userId) % this.slots.length]!
  }

  /** The logic service id that owns a named thing (a chat channel): the same hash over the same slots. */
  logicOfName(name: string): number {
    return this.slots[(hash32(`name:${name}`) % this.shards) % this.slots.length]!
  }
}

function hash32(s: string): number {
  return createHash('sha256').update(s).digest().readUInt32BE(0)
}
