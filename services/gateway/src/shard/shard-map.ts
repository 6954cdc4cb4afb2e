import { createHash } from 'node:crypto'
import { GatewayBadConfig } from '../errors.js'

/**
 * Which logic service holds a player: user id → shard (a hash, so snowflake
 * ids, whose low bits are a per-millisecond sequence, still spread evenly)
 * → logic slot → that slot's service id. Everything comes from
 * configuration, so every gateway process computes the same answer, and a
 * restarted logic keeps its service id and with it its players.
 */
export class ShardMap {
  readonly slots: readonly number[]
  readonly shards: number

  constructor(slots: readonly number[], shards: number) {
    if (slots.length === 0) throw new GatewayBadConfig('gateway.logicSlots is empty')
    if (new Set(slots).size !== slots.length) throw new GatewayBadConfig('gateway.logicSlots has duplicates')
    if (!Number.isInteger(shards) || shards < slots.length)
      throw new GatewayBadConfig(`gateway.shards ${shards} < ${slots.length} logic slots`)
    this.slots = [...slots]
    this.shards = shards
  }

  shardOf(userId: bigint): number {
    const h = createHash('sha256').update(userId.toString()).digest()
    return h.readUInt32BE(0) % this.shards
  }

  /** The logic service id that holds this player. */
  logicOf(userId: bigint): number {
    return this.slots[this.shardOf(userId) % this.slots.length]!
  }
}
