import type { ShardTable } from '@tessera/kernel'
import type { RowDataPacket } from 'mysql2/promise'
import type { CenterDatabase } from '../db/index.js'

/**
 * The shard table in the center's database: one row per shard (owner
 * logic, moving or not) and one version row. Every change is one
 * transaction that also raises the version, so a restarted center serves
 * the table it last pushed and services keep only newer versions.
 */
export class ShardTableStore {
  constructor(private readonly db: CenterDatabase) {}

  /**
   * Create the tables; with a seed (the configuration's shard count and
   * slots) and no table yet, write `shard mod slots` so that adopting the
   * table moves nothing. Returns the stored table (undefined: none).
   */
  async prepare(
    seed: { count: number; slots: readonly number[] } | undefined,
  ): Promise<ShardTable | undefined> {
    await this.db.query(
      'shard schema',
      `CREATE TABLE IF NOT EXISTS shard_owner (
        shard INT UNSIGNED NOT NULL PRIMARY KEY,
        logic_service_id INT UNSIGNED NOT NULL,
        moving TINYINT(1) NOT NULL DEFAULT 0
      ) ENGINE=InnoDB`,
    )
    await this.db.query(
      'shard schema',
      `CREATE TABLE IF NOT EXISTS shard_table (
        id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
        version INT UNSIGNED NOT NULL,
        shard_count INT UNSIGNED NOT NULL
      ) ENGINE=InnoDB`,
    )
    const have = await this.read()
    if (have !== undefined || seed === undefined) return have
    const owners = Array.from({ length: seed.count }, (_x, s) => seed.slots[s % seed.slots.length]!)
    await this.db.transaction('shard seed', async (tx) => {
      for (let i = 0; i < owners.length; i += 1000) {
        const part = owners.slice(i, i + 1000)
        await tx.query(
          `INSERT IGNORE INTO shard_owner (shard, logic_service_id, moving) VALUES ${part.map(() => '(?, ?, 0)').join(', ')}`,
          part.flatMap((o, j) => [i + j, o]),
        )
      }
      await tx.query('INSERT IGNORE INTO shard_table (id, version, shard_count) VALUES (1, 1, ?)', [
        seed.count,
      ])
    })
    return this.read()
  }

  async read(): Promise<ShardTable | undefined> {
    const meta = await this.db.query<RowDataPacket[]>(
      'shard read',
      'SELECT version, shard_count FROM shard_table WHERE id = 1',
    )
    if (meta[0] === undefined) return undefined
    const count = Number(meta[0].shard_count)
    const rows = await this.db.query<RowDataPacket[]>(
      'shard read',
      'SELECT shard, logic_service_id, moving FROM shard_owner WHERE shard < ? ORDER BY shard',
      [count],
    )
    const owners = new Array<number>(count).fill(0)
    const moving: number[] = []
    for (const r of rows) {
      owners[Number(r.shard)] = Number(r.logic_service_id)
      if (Number(r.moving) !== 0) moving.push(Number(r.shard))
    }
    return { version: Number(meta[0].version), shardCount: count, owners, moving }
  }

  /** Set these shards' owner and moving flag; the version goes up by one. Returns the new table. */
  async change(shards: readonly number[], owner: number, moving: boolean): Promise<ShardTable> {
    await this.db.transaction('shard change', async (tx) => {
      await tx.query('SELECT version FROM shard_table WHERE id = 1 FOR UPDATE')
      await tx.query(
        `UPDATE shard_owner SET logic_service_id = ?, moving = ? WHERE shard IN (${shards.map(() => '?').join(', ')})`,
        [owner, moving ? 1 : 0, ...shards],
      )
      await tx.query('UPDATE shard_table SET version = version + 1 WHERE id = 1')
    })
    const t = await this.read()
    if (t === undefined) throw new Error('shard table vanished')
    return t
  }
}
