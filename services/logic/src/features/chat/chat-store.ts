import type { DbClient } from '@tessera/storage'

/** A private message waiting for its offline receiver. */
export interface StoredMail {
  id: bigint
  push: Uint8Array
}

/** An operator's mute or ban of a player (kept by the player's home logic). */
export interface Moderation {
  mutedUntilMs: number
  banned: boolean
  reason: string
}

// Plain tables beside the player table in this logic's database
// (`logic_<machineId>`): mail is inserted and deleted, never updated, which
// the dirty-tracked entity model does not fit. Every statement is idempotent
// (keyed by the message id or the user id), so DbClient may retry it.
const TABLES = [
  `CREATE TABLE IF NOT EXISTS chat_mail (
    id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    to_user_id BIGINT UNSIGNED NOT NULL,
    push VARBINARY(16384) NOT NULL,
    created_at_ms BIGINT UNSIGNED NOT NULL,
    KEY to_user (to_user_id, id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS chat_moderation (
    user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    muted_until_ms BIGINT UNSIGNED NOT NULL,
    banned TINYINT(1) NOT NULL,
    reason VARCHAR(200) NOT NULL,
    updated_at_ms BIGINT UNSIGNED NOT NULL
  ) ENGINE=InnoDB`,
]

/** Chat's rows in the home logic's database: offline mail and moderation. */
export class ChatStore {
  constructor(private readonly db: DbClient) {}

  async createTables(): Promise<void> {
    for (const t of TABLES) await this.db.query(t)
  }

  /** True when the player has a row here (logged in to the game at least once). */
  async playerExists(userId: bigint): Promise<boolean> {
    const rows = (await this.db.query('SELECT 1 FROM player WHERE id = ?', [String(userId)])) as unknown[]
    return rows.length > 0
  }

  async mailCount(userId: bigint): Promise<number> {
    const rows = (await this.db.query('SELECT COUNT(*) AS n FROM chat_mail WHERE to_user_id = ?', [
      String(userId),
    ])) as { n: number | string }[]
    return Number(rows[0]?.n ?? 0)
  }

  /** Keep a message; inserting the same id twice (a retry) keeps one. */
  async putMail(toUserId: bigint, id: bigint, push: Uint8Array, nowMs: number): Promise<void> {
    await this.db.query(
      'INSERT IGNORE INTO chat_mail (id, to_user_id, push, created_at_ms) VALUES (?, ?, ?, ?)',
      [String(id), String(toUserId), Buffer.from(push), nowMs],
    )
  }

  /** The player's waiting mail, oldest first. */
  async mailOf(userId: bigint): Promise<StoredMail[]> {
    const rows = (await this.db.query('SELECT id, push FROM chat_mail WHERE to_user_id = ? ORDER BY id', [
      String(userId),
    ])) as { id: string | number | bigint; push: Buffer }[]
    return rows.map((r) => ({ id: BigInt(r.id), push: new Uint8Array(r.push) }))
  }

  async deleteMail(userId: bigint, ids: readonly bigint[]): Promise<void> {
    if (ids.length === 0) return
    await this.db.query(
      `DELETE FROM chat_mail WHERE to_user_id = ? AND id IN (${ids.map(() => '?').join(',')})`,
      [String(userId), ...ids.map(String)],
    )
  }

  async moderations(): Promise<Map<bigint, Moderation>> {
    const rows = (await this.db.query(
      'SELECT user_id, muted_until_ms, banned, reason FROM chat_moderation',
    )) as { user_id: string | number; muted_until_ms: string | number; banned: number; reason: string }[]
    const out = new Map<bigint, Moderation>()
    for (const r of rows)
      out.set(BigInt(r.user_id), {
        mutedUntilMs: Number(r.muted_until_ms),
        banned: r.banned !== 0,
        reason: r.reason,
      })
    return out
  }

  async putModeration(userId: bigint, m: Moderation, nowMs: number): Promise<void> {
    await this.db.query(
      `INSERT INTO chat_moderation (user_id, muted_until_ms, banned, reason, updated_at_ms) VALUES (?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE muted_until_ms = VALUES(muted_until_ms), banned = VALUES(banned),
         reason = VALUES(reason), updated_at_ms = VALUES(updated_at_ms)`,
      [String(userId), m.mutedUntilMs, m.banned ? 1 : 0, m.reason.slice(0, 200), nowMs],
    )
  }
}
