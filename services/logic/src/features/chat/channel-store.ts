import type { DbClient } from '@tessera/storage'
import type { Member } from './channel-book.js'

/** A channel as stored: definition, members and its last lines (oldest first). */
export interface StoredChannel {
  name: string
  creator: bigint
  maxMembers: number
  members: { userId: bigint; member: Member }[]
  history: Uint8Array[]
  /** Number of the newest line (0: none). */
  lastSeq: number
}

// The owner logic's channels, in its own database beside the player table,
// so a restart (kill -9 included) keeps definitions, members and history.
// Lines are rows numbered per channel; the oldest beyond the history size
// are deleted as new ones arrive. Every statement is idempotent (keyed),
// so DbClient may retry it.
const TABLES = [
  `CREATE TABLE IF NOT EXISTS chat_channel (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    creator_user_id BIGINT UNSIGNED NOT NULL,
    max_members INT UNSIGNED NOT NULL
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS chat_channel_member (
    channel VARCHAR(64) NOT NULL,
    user_id BIGINT UNSIGNED NOT NULL,
    nickname VARCHAR(64) NOT NULL,
    logic_service_id INT UNSIGNED NOT NULL,
    PRIMARY KEY (channel, user_id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS chat_channel_line (
    channel VARCHAR(64) NOT NULL,
    seq BIGINT UNSIGNED NOT NULL,
    push VARBINARY(16384) NOT NULL,
    PRIMARY KEY (channel, seq)
  ) ENGINE=InnoDB`,
]

export class ChannelStore {
  constructor(private readonly db: DbClient) {}

  async createTables(): Promise<void> {
    for (const t of TABLES) await this.db.query(t)
  }

  /** Every stored channel with members and last `historySize` lines, and the history of `world`. */
  async load(
    world: string,
    historySize: number,
  ): Promise<{ channels: StoredChannel[]; world: StoredChannel }> {
    const defs = (await this.db.query('SELECT name, creator_user_id, max_members FROM chat_channel')) as {
      name: string
      creator_user_id: string | number
      max_members: number
    }[]
    const byName = new Map<string, StoredChannel>()
    const empty = (name: string, creator: bigint, maxMembers: number): StoredChannel => ({
      name,
      creator,
      maxMembers,
      members: [],
      history: [],
      lastSeq: 0,
    })
    for (const d of defs) byName.set(d.name, empty(d.name, BigInt(d.creator_user_id), Number(d.max_members)))
    const w = empty(world, 0n, 0)
    const members = (await this.db.query(
      'SELECT channel, user_id, nickname, logic_service_id FROM chat_channel_member',
    )) as { channel: string; user_id: string | number; nickname: string; logic_service_id: number }[]
    for (const m of members)
      byName.get(m.channel)?.members.push({
        userId: BigInt(m.user_id),
        member: { nickname: m.nickname, logic: Number(m.logic_service_id) },
      })
    // The last lines per channel: rows above (max seq - historySize).
    const lines = (await this.db.query(
      `SELECT l.channel, l.seq, l.push FROM chat_channel_line l
       JOIN (SELECT channel, MAX(seq) AS top FROM chat_channel_line GROUP BY channel) t
         ON t.channel = l.channel AND l.seq + ? > t.top
       ORDER BY l.channel, l.seq`,
      [historySize],
    )) as { channel: string; seq: string | number; push: Buffer }[]
    for (const l of lines) {
      const ch = l.channel === world ? w : byName.get(l.channel)
      if (ch === undefined) continue
      ch.history.push(new Uint8Array(l.push))
      ch.lastSeq = Number(l.seq)
    }
    return { channels: [...byName.values()], world: w }
  }

  async created(name: string, creator: bigint, maxMembers: number): Promise<void> {
    await this.db.query(
      'INSERT INTO chat_channel (name, creator_user_id, max_members) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE creator_user_id = VALUES(creator_user_id), max_members = VALUES(max_members)',
      [name, String(creator), maxMembers],
    )
  }

  async joined(name: string, userId: bigint, m: Member): Promise<void> {
    await this.db.query(
      'INSERT INTO chat_channel_member (channel, user_id, nickname, logic_service_id) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE nickname = VALUES(nickname), logic_service_id = VALUES(logic_service_id)',
      [name, String(userId), m.nickname.slice(0, 64), m.logic],
    )
  }

  async left(name: string, userIds: readonly bigint[]): Promise<void> {
    if (userIds.length === 0) return
    await this.db.query('DELETE FROM chat_channel_member WHERE channel = ? AND user_id IN (?)', [
      name,
      userIds.map(String),
    ])
  }

  /** The channel went (its last member left): definition, members and lines. */
  async removed(name: string): Promise<void> {
    await this.db.query('DELETE FROM chat_channel_member WHERE channel = ?', [name])
    await this.db.query('DELETE FROM chat_channel_line WHERE channel = ?', [name])
    await this.db.query('DELETE FROM chat_channel WHERE name = ?', [name])
  }

  /** Keep line `seq`; lines `historySize` or more behind it go. */
  async line(name: string, seq: number, push: Uint8Array, historySize: number): Promise<void> {
    await this.db.query('INSERT IGNORE INTO chat_channel_line (channel, seq, push) VALUES (?, ?, ?)', [
      name,
      seq,
      Buffer.from(push),
    ])
    if (seq > historySize)
      await this.db.query('DELETE FROM chat_channel_line WHERE channel = ? AND seq <= ?', [
        name,
        seq - historySize,
      ])
  }
}
