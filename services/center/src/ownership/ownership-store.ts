import type { Pool, RowDataPacket } from 'mysql2/promise'

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
  constructor(private readonly pool: Pool) {}

  async prepare(): Promise<void> {
    await this.pool.query(`CREATE TABLE IF NOT EXISTS ownership (
      owner_key VARCHAR(191) NOT NULL PRIMARY KEY,
      owner_service_id INT UNSIGNED NOT NULL,
      epoch BIGINT UNSIGNED NOT NULL
    ) ENGINE=InnoDB`)
  }

  async claim(key: string, owner: number): Promise<Claim> {
    const conn = await this.pool.getConnection()
    try {
      await conn.query('START TRANSACTION')
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT owner_service_id, epoch FROM ownership WHERE owner_key = ? FOR UPDATE',
        [key],
      )
      const prev = rows[0]
      const epoch = prev ? BigInt(prev.epoch) + 1n : 1n
      await conn.query(
        `INSERT INTO ownership (owner_key, owner_service_id, epoch) VALUES (?, ?, ?)
         ON DUPLICATE KEY UPDATE owner_service_id = VALUES(owner_service_id), epoch = VALUES(epoch)`,
        [key, owner, epoch.toString()],
      )
      await conn.query('COMMIT')
      const previousOwner = prev ? Number(prev.owner_service_id) : 0
      return { epoch, previousOwner: previousOwner === owner ? 0 : previousOwner }
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      conn.release()
    }
  }

  /** Let go of a key if `owner` still holds it at `epoch`. The row (and its epoch) stays, owned by 0. */
  async release(key: string, owner: number, epoch: bigint): Promise<boolean> {
    const [r] = await this.pool.query<import('mysql2').ResultSetHeader>(
      'UPDATE ownership SET owner_service_id = 0 WHERE owner_key = ? AND owner_service_id = ? AND epoch = ?',
      [key, owner, epoch.toString()],
    )
    return r.affectedRows === 1
  }

  async owner(key: string): Promise<{ owner: number; epoch: bigint } | undefined> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT owner_service_id, epoch FROM ownership WHERE owner_key = ?',
      [key],
    )
    const r = rows[0]
    return r ? { owner: Number(r.owner_service_id), epoch: BigInt(r.epoch) } : undefined
  }
}
