import { createHash } from 'node:crypto'
import { systemTimers } from '../timer/index.js'
import { ClusterBadShardMap } from './errors.js'

/** The center's shard table (proto gate/shard.proto ShardTableState). */
export interface ShardTable {
  version: number
  shardCount: number
  /** owners[s]: the logic service id holding shard s. */
  owners: readonly number[]
  /** Shards being moved: binds and resumes of their players wait. */
  moving: readonly number[]
}

/**
 * Which logic service holds a player: user id → shard (a hash, so snowflake
 * ids, whose low bits are a per-millisecond sequence, still spread evenly)
 * → logic. From configuration (`slots`, shard mod slots) until the center's
 * shard table is adopted ({@link adopt}); then by the table, which the
 * center changes when an operator moves shards to an added logic
 * (docs/operations.md). A restarted logic keeps its service id and with it
 * its players. Gateways use it to bind a player to its logic; logic uses it
 * to find the home of a player it does not hold (private chat, profiles).
 */
export class ShardMap {
  readonly slots: readonly number[]
  /** The configured shard count (names hash over it, whatever the table says). */
  private readonly configShards: number
  private shardCount: number
  private table: ShardTable | undefined
  private movingSet: ReadonlySet<number> = new Set()
  private waiters = new Set<() => void>()

  /** `key` names the configuration key of `slots` in errors (e.g. `gateway.logicSlots`). */
  constructor(slots: readonly number[], shards: number, key = 'logicSlots') {
    if (slots.length === 0) throw new ClusterBadShardMap(`${key} is empty`)
    if (new Set(slots).size !== slots.length) throw new ClusterBadShardMap(`${key} has duplicates`)
    if (!Number.isInteger(shards) || shards < slots.length)
      throw new ClusterBadShardMap(`shards ${shards} < ${slots.length} logic slots in ${key}`)
    this.slots = [...slots]
    this.configShards = shards
    this.shardCount = shards
  }

  get shards(): number {
    return this.shardCount
  }

  /** Version of the adopted shard table; 0 while routing by configuration. */
  get version(): number {
    return this.table?.version ?? 0
  }

  /**
   * Route by the center's table from now on, if it is newer than the one
   * held (pushes and refreshes may arrive out of order). True when adopted.
   */
  adopt(t: ShardTable): boolean {
    if (this.table !== undefined && t.version <= this.table.version) return false
    if (t.owners.length !== t.shardCount || t.shardCount < 1)
      throw new ClusterBadShardMap(
        `shard table v${t.version}: ${t.owners.length} owners for ${t.shardCount} shards`,
      )
    this.table = { ...t, owners: [...t.owners], moving: [...t.moving] }
    this.shardCount = t.shardCount
    this.movingSet = new Set(t.moving)
    const w = this.waiters
    this.waiters = new Set()
    for (const f of w) f()
    return true
  }

  shardOf(userId: bigint): number {
    return hash32(userId.toString()) % this.shardCount
  }

  /** The logic service id that holds this player. */
  logicOf(userId: bigint): number {
    const s = this.shardOf(userId)
    if (this.table !== undefined) return this.table.owners[s]!
    return this.slots[s % this.slots.length]!
  }

  /** True while the player's shard is being moved to another logic. */
  isMoving(userId: bigint): boolean {
    return this.movingSet.has(this.shardOf(userId))
  }

  /** True while shard `shard` is being moved to another logic. */
  isShardMoving(shard: number): boolean {
    return this.movingSet.has(shard)
  }

  /**
   * Resolves once the player's shard is not moving (at once if it is not);
   * false when `timeoutMs` passed first. Bounded: one timer per waiter.
   */
  whenServing(userId: bigint, timeoutMs: number): Promise<boolean> {
    return this.until(() => !this.isMoving(userId), timeoutMs)
  }

  /** Resolves once a table newer than `version` is adopted; false when `timeoutMs` passed first. */
  whenNewer(version: number, timeoutMs: number): Promise<boolean> {
    return this.until(() => this.version > version, timeoutMs)
  }

  private until(ok: () => boolean, timeoutMs: number): Promise<boolean> {
    if (ok()) return Promise.resolve(true)
    return new Promise((resolve) => {
      const check = (): void => {
        if (!ok()) {
          this.waiters.add(check)
          return
        }
        timers.cancel(timer)
        resolve(true)
      }
      const timers = systemTimers()
      const timer = timers.after(timeoutMs, () => {
        this.waiters.delete(check)
        resolve(false)
      })
      this.waiters.add(check)
    })
  }

  /**
   * The logic service id that owns a named thing (a chat channel): a hash
   * over the configured slots. Deliberately not by the shard table: named
   * things stay on the logic processes the cluster was created with.
   */
  logicOfName(name: string): number {
    return this.slots[(hash32(`name:${name}`) % this.configShards) % this.slots.length]!
  }
}

function hash32(s: string): number {
  return createHash('sha256').update(s).digest().readUInt32BE(0)
}
