import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import type { CenterDatabase } from '../db/index.js'

export interface Claim {
  epoch: bigint
  /** Owner before this claim (0 = none). */
  previousOwner: number
}

/**
 * "key K is owned by service S at epoch E", in MySQL so epochs only ever go
 * up, across center restarts too. A claim always wins and takes the next
 * epoch; the storage layer refuses writes carrying an older epoch, so the
 * previous owner cannot overwrite even before it hears it was revoked.
 */
export class OwnershipStore {
  constructor(private readonly db: CenterDatabase) {}

  async prepare(): Promise<void> {
    await this.db.query(
      'ownership schema',
      `CREATE TABLE IF NOT EXISTS ownership (
        owner_key VARCHAR(191) NOT NULL PRIMARY KEY,
        owner_service_id INT UNSIGNED NOT NULL,
        epoch BIGINT UNSIGNED NOT NULL
      ) ENGINE=InnoDB`,
    )
  }

  /**
   * Make `owner` the owner of `key` at the next epoch. Concurrent claims of
   * one key queue on its row lock (SELECT … FOR UPDATE), so each reads the
   * epoch the previous one wrote: one owner per epoch, epochs strictly
   * rising (ownership-race.test.ts races them).
   */
  async claim(key: string, owner: number): Promise<Claim> {
    // The row exists before the transaction locks it: a locking read of a
    // missing row takes a gap lock, which concurrent claims all get, and
    // their inserts then deadlock. Seeding it outside (epoch 0, no owner)
    // leaves one plain row lock to queue on.
    await this.db.query(
      'ownership claim',
      'INSERT IGNORE INTO ownership (owner_key, owner_service_id, epoch) VALUES (?, 0, 0)',
      [key],
    )
    return this.db.transaction(
      'ownership claim',
      async (tx) => {
        const rows = await tx.query<RowDataPacket[]>(
          'SELECT owner_service_id, epoch FROM ownership WHERE owner_key = ? FOR UPDATE',
          [key],
        )
        const prev = rows[0]
        const epoch = prev ? BigInt(prev.epoch) + 1n : 1n
        await tx.query('UPDATE ownership SET owner_service_id = ?, epoch = ? WHERE owner_key = ?', [
          owner,
          epoch.toString(),
          key,
        ])
        const previousOwner = prev ? Number(prev.owner_service_id) : 0
        return { epoch, previousOwner: previousOwner === owner ? 0 : previousOwner }
      },
      { retry: (err) => (err as { code?: string }).code === 'ER_LOCK_DEADLOCK' },
    )
  }

  /** Let go of a key if `owner` still holds it at `epoch`. The row (and its epoch) stays, owned by 0. */
  async release(key: string, owner: number, epoch: bigint): Promise<boolean> {
    const r = await this.db.query<ResultSetHeader>(
      'ownership release',
      'UPDATE ownership SET owner_service_id = 0 WHERE owner_key = ? AND owner_service_id = ? AND epoch = ?',
      [key, owner, epoch.toString()],
    )
    return r.affectedRows === 1
  }

  async owner(key: string): Promise<{ owner: number; epoch: bigint } | undefined> {
    const rows = await this.db.query<RowDataPacket[]>(
      'ownership read',
      'SELECT owner_service_id, epoch FROM ownership WHERE owner_key = ?',
      [key],
    )
    const r = rows[0]
    return r ? { owner: Number(r.owner_service_id), epoch: BigInt(r.epoch) } : undefined
  }
}
