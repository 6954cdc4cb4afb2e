import {
  type Columns,
  type DbClient,
  type Entity,
  EPOCH_COLUMN,
  upsertSql,
  VERSION_COLUMN,
} from '@tessera/storage'

/**
 * The data steps of moving a shard of players from one logic's database to
 * another's (docs/operations.md, "Moving a shard"): fence, then copy. The
 * steps around them (routing held, sessions ended, rows flushed, per-user
 * fence epochs claimed at the center) are the operator procedure.
 */

/**
 * The SQL form of the gateway's shard function (services/gateway/src/shard/
 * shard-map.ts: the first 4 bytes of SHA-256 of the decimal user id, big
 * endian, mod `shards`), so the rows of one shard are selected in the
 * database. `?` placeholders: shards, shard.
 */
const SHARD_EXPR = 'CONV(LEFT(SHA2(CAST(`id` AS CHAR), 256), 8), 16, 10)'
export const SHARD_OF_ID_SQL = `${SHARD_EXPR} % ? = ?`

/** User ids (decimal strings) of the rows of one shard in `db`'s player table, ascending; bounded by `limit`. */
export async function usersOfShard(
  db: DbClient,
  table: string,
  shard: number,
  shards: number,
  limit = 1_000_000,
): Promise<string[]> {
  const rows = await db.query<{ id: string }[]>(
    `SELECT \`id\` FROM \`${table}\` WHERE ${SHARD_OF_ID_SQL} ORDER BY \`id\` LIMIT ?`,
    [shards, shard, limit],
  )
  return rows.map((r) => String(r.id))
}

/** User ids (decimal strings) of the rows of several shards, one scan; bounded by `limit`. */
export async function usersOfShards(
  db: DbClient,
  table: string,
  shards: readonly number[],
  shardCount: number,
  limit = 1_000_000,
): Promise<string[]> {
  if (shards.length === 0) return []
  const rows = await db.query<{ id: string }[]>(
    `SELECT \`id\` FROM \`${table}\` WHERE ${SHARD_EXPR} % ? IN (?) ORDER BY \`id\` LIMIT ?`,
    [shardCount, [...shards], limit],
  )
  return rows.map((r) => String(r.id))
}

/** One user to move and the owner epoch the move claimed for `player:<id>` at the center. */
export interface FencedUser {
  id: string
  epoch: bigint
}

/**
 * Raise each user's row in the OLD owner's database to the move's epoch.
 * From then on every write the old owner still makes with its older epoch
 * (a late flush, a journal or dump replay after its restart) is refused by
 * the database (STORAGE_STALE_EPOCH), so nothing it does after the fence
 * can land anywhere. Idempotent; returns the rows raised.
 */
export async function fenceUsers(db: DbClient, table: string, users: readonly FencedUser[]): Promise<number> {
  let n = 0
  for (const u of users) {
    const r = await db.query<{ affectedRows: number }>(
      `UPDATE \`${table}\` SET \`${EPOCH_COLUMN}\` = ? WHERE \`id\` = ? AND \`${EPOCH_COLUMN}\` < ?`,
      [u.epoch.toString(), u.id, u.epoch.toString()],
    )
    n += r.affectedRows
  }
  return n
}

/**
 * Copy the fenced rows from the old owner's database to the new owner's
 * (`src` and `dst` may be one pool, with `fromDatabase` naming the old one),
 * every column plus version, at the move's epoch, through the storage's
 * fenced upsert: a copy never overwrites a row a newer owner already wrote,
 * and running it again changes nothing (so an interrupted move is simply
 * run again). Rows are read after the fence, so they hold every write the
 * old owner landed before it. Returns the rows copied.
 */
export async function copyUsers<C extends Columns>(
  src: DbClient,
  dst: DbClient,
  entity: Entity<C>,
  users: readonly FencedUser[],
  batchRows = 200,
  /** Read the rows from this database on `src`'s server (the old owner's, when `src` is the new owner's pool). */
  fromDatabase?: string,
): Promise<number> {
  const names = [...entity.columnNames]
  const from = fromDatabase === undefined ? `\`${entity.table}\`` : `\`${fromDatabase}\`.\`${entity.table}\``
  const cols = [...names, VERSION_COLUMN, EPOCH_COLUMN].map((c) => `\`${c}\``).join(', ')
  const epochOf = new Map(users.map((u) => [u.id, u.epoch]))
  let copied = 0
  for (let i = 0; i < users.length; i += batchRows) {
    const ids = users.slice(i, i + batchRows).map((u) => u.id)
    const rows = await src.query<Record<string, unknown>[]>(
      `SELECT ${cols} FROM ${from} WHERE \`id\` IN (?)`,
      [ids],
    )
    if (rows.length === 0) continue
    const { sql, params } = upsertSql({
      table: entity.table,
      primaryKey: entity.primaryKey,
      columns: names,
      rows: rows.map((r) => [
        ...names.map((n) => r[n]),
        r[VERSION_COLUMN],
        // The fence epoch, or the row's own if somehow higher: never below either.
        maxBig(BigInt(String(r[EPOCH_COLUMN])), epochOf.get(String(r.id)) ?? 0n).toString(),
      ]),
    })
    await dst.query(sql, params)
    copied += rows.length
  }
  return copied
}

const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b)
