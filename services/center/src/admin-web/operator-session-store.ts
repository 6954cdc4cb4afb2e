import type { RowDataPacket } from 'mysql2/promise'
import type { CenterDatabase } from '../db/index.js'

/** One operator session as the center's database keeps it (wall-clock times). */
export interface StoredSession {
  /** SHA-256 of the cookie value (base64url): the cookie itself is never stored. */
  digest: string
  operator: string
  csrf: string
  createdAtMs: number
  lastSeenAtMs: number
}

/**
 * Operator sessions in the center's database (table `operator_sessions`), so
 * a center restart does not log operators out. Only the cookie's digest is
 * kept: reading the table gives no usable cookie. Written through by
 * OperatorSessions (create, touch, end, expiry); read once at startup.
 */
export class OperatorSessionStore {
  constructor(private readonly db: CenterDatabase) {}

  /** Create the table if needed, drop sessions past their limits, return the live ones. */
  async load(nowMs: number, idleMs: number, maxAgeMs: number): Promise<StoredSession[]> {
    await this.db.query(
      'operator sessions schema',
      `CREATE TABLE IF NOT EXISTS operator_sessions (
        digest CHAR(43) NOT NULL PRIMARY KEY,
        operator VARCHAR(128) NOT NULL,
        csrf CHAR(43) NOT NULL,
        created_at_ms BIGINT NOT NULL,
        last_seen_at_ms BIGINT NOT NULL
      ) ENGINE=InnoDB`,
    )
    await this.db.query(
      'operator sessions expire',
      'DELETE FROM operator_sessions WHERE last_seen_at_ms <= ? OR created_at_ms <= ?',
      [nowMs - idleMs, nowMs - maxAgeMs],
    )
    const rows = await this.db.query<RowDataPacket[]>(
      'operator sessions load',
      'SELECT digest, operator, csrf, created_at_ms, last_seen_at_ms FROM operator_sessions ORDER BY last_seen_at_ms',
    )
    return rows.map((r) => ({
      digest: String(r.digest),
      operator: String(r.operator),
      csrf: String(r.csrf),
      createdAtMs: Number(r.created_at_ms),
      lastSeenAtMs: Number(r.last_seen_at_ms),
    }))
  }

  async save(s: StoredSession): Promise<void> {
    await this.db.query(
      'operator session save',
      `INSERT INTO operator_sessions (digest, operator, csrf, created_at_ms, last_seen_at_ms) VALUES (?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE last_seen_at_ms = VALUES(last_seen_at_ms)`,
      [s.digest, s.operator, s.csrf, s.createdAtMs, s.lastSeenAtMs],
    )
  }

  async touch(digest: string, lastSeenAtMs: number): Promise<void> {
    await this.db.query(
      'operator session touch',
      'UPDATE operator_sessions SET last_seen_at_ms = GREATEST(last_seen_at_ms, ?) WHERE digest = ?',
      [lastSeenAtMs, digest],
    )
  }

  async remove(digest: string): Promise<void> {
    await this.db.query('operator session end', 'DELETE FROM operator_sessions WHERE digest = ?', [digest])
  }
}
