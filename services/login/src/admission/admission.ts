import type { MemoryGuard } from '@tessera/kernel'
import type { LoginSection } from '../config.js'
import type { LoginDb, Tx } from '../db/index.js'
import { inList, newSecretToken, tokenHash } from '../db/index.js'
import { LoginQueueTicketUnknown } from '../errors.js'
import type { Handoff, HandoffIssuer } from '../handoff/index.js'

export type AdmissionConfig = LoginSection['admission']

/** Admitted now (a hand-off), or queued with a ticket and a position. */
export type Admitted =
  | { handoff: Handoff; queue?: undefined }
  | { handoff?: undefined; queue: { ticket: string; position: number; keepAliveMs: number } }

/** A queue poll's answer: the position, or the hand-off once admitted. */
export type QueueStatus = { position: number; handoff?: Handoff }

/** What admission asks of this process's memory guard. */
export type AdmissionGuard = Pick<MemoryGuard, 'over' | 'holdBack'>

/**
 * The online cap and the admission queue, shared by every login process
 * through the database. "Online" is the players the gateways hold plus
 * hand-offs issued and not yet redeemed (distinct users), so a burst of
 * logins cannot overshoot the cap before the gateways report. Decisions that
 * admit take the lock of the one login_admission row, so two processes never
 * hand out the same free slot; reads that only tell a position take no lock.
 *
 * The queue is ordered by arrival (an AUTO_INCREMENT seq). A place is live
 * while its holder shows up (a poll, or a connected socket the login process
 * polls for) within `keepAliveMs`; a silent one is skipped at once and
 * deleted by the janitor, so players behind it move up.
 *
 * While this process's memory guard is over its threshold, it admits
 * nobody, cap or no cap: every login queues and polls learn their position
 * only; once the guard is back to normal, polls admit again (by the cap's
 * rule, or at once without a cap). The queue is shared: another login
 * process that is not over admits by its own rule.
 */
export class Admission {
  constructor(
    private readonly db: LoginDb,
    private readonly issuer: HandoffIssuer,
    private readonly cfg: AdmissionConfig,
    private readonly guard?: AdmissionGuard,
  ) {}

  get capped(): boolean {
    return this.cfg.onlineCap > 0
  }

  /**
   * A player who just proved their password. Admitted at once when there is
   * no cap, when they are already online (their new session replaces the
   * old one: no extra slot), or when nobody waits and a slot is free;
   * queued otherwise (a player already queued keeps their place and gets a
   * new ticket). Queued in any case while the memory guard is over.
   */
  async enter(userId: bigint, loginEpoch: bigint, now: number): Promise<Admitted> {
    const held = this.guard?.holdBack() === true
    if (!this.capped && !held) return { handoff: await this.issuer.issue(this.db, userId, loginEpoch, now) }
    this.issuer.assertGateway(now)
    const live = now - this.cfg.keepAliveMs
    return this.db.tx(async (tx) => {
      await lockAdmission(tx)
      const [me] = await tx.rows(
        `SELECT (SELECT COUNT(*) FROM online_sessions WHERE user_id = ?) AS online,
                (SELECT seq FROM login_queue WHERE user_id = ? AND last_seen_ms >= ?) AS seq`,
        [userId, userId, live],
      )
      const queuedSeq = me?.seq === null || me?.seq === undefined ? null : BigInt(me.seq)
      if (!held && Number(me?.online) > 0) {
        await tx.exec('DELETE FROM login_queue WHERE user_id = ?', [userId])
        return { handoff: await this.issuer.issue(tx, userId, loginEpoch, now) }
      }
      const c = await this.counts(tx, now, queuedSeq)
      if (!held && c.ahead === 0 && c.online + c.reserved < this.cfg.onlineCap) {
        await tx.exec('DELETE FROM login_queue WHERE user_id = ?', [userId])
        return { handoff: await this.issuer.issue(tx, userId, loginEpoch, now) }
      }
      const ticket = newSecretToken()
      // A lost place is lost: only a live entry keeps its seq.
      await tx.exec('DELETE FROM login_queue WHERE user_id = ? AND last_seen_ms < ?', [userId, live])
      await tx.exec(
        `INSERT INTO login_queue (user_id, ticket_hash, enqueued_at_ms, last_seen_ms) VALUES (?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE ticket_hash = VALUES(ticket_hash), last_seen_ms = VALUES(last_seen_ms)`,
        [userId, tokenHash(ticket), now, now],
      )
      const [pos] = await tx.rows(
        `SELECT COUNT(*) AS n FROM login_queue
          WHERE last_seen_ms >= ? AND seq <= (SELECT seq FROM login_queue WHERE user_id = ?)`,
        [live, userId],
      )
      return { queue: { ticket, position: Number(pos?.n ?? 1), keepAliveMs: this.cfg.keepAliveMs } }
    })
  }

  /**
   * The holder of `ticket` shows up: their place stays live, and when their
   * position fits the free slots they are admitted (the place becomes a
   * hand-off for the account's current login epoch).
   */
  async poll(ticket: string, now: number): Promise<QueueStatus> {
    const h = tokenHash(ticket)
    const live = now - this.cfg.keepAliveMs
    // Affected rows count changed rows only: a second poll in the same
    // millisecond changes nothing, so whether the place is live is read below.
    await this.db.write(
      'UPDATE login_queue SET last_seen_ms = GREATEST(last_seen_ms, ?) WHERE ticket_hash = ? AND last_seen_ms >= ?',
      [now, h, live],
    )
    // Unlocked look first: most polls only learn their position.
    const [row] = await this.db.rows(
      'SELECT seq FROM login_queue WHERE ticket_hash = ? AND last_seen_ms >= ?',
      [h, live],
    )
    if (!row) throw new LoginQueueTicketUnknown()
    const seq = BigInt(row.seq)
    const peek = await this.counts(this.db, now, seq)
    const position = peek.ahead + 1
    if (this.guard?.over === true || (this.capped && position > this.free(peek))) return { position }
    return this.db.tx(async (tx) => {
      await lockAdmission(tx)
      const [mine] = await tx.rows(
        `SELECT q.user_id, a.login_epoch FROM login_queue q JOIN accounts a ON a.user_id = q.user_id
          WHERE q.ticket_hash = ? AND q.last_seen_ms >= ? FOR UPDATE`,
        [h, live],
      )
      if (!mine) throw new LoginQueueTicketUnknown()
      const c = await this.counts(tx, now, seq)
      if (this.capped && c.ahead + 1 > this.free(c)) return { position: c.ahead + 1 }
      await tx.exec('DELETE FROM login_queue WHERE ticket_hash = ?', [h])
      const handoff = await this.issuer.issue(tx, BigInt(mine.user_id), BigInt(mine.login_epoch), now)
      return { position: 0, handoff }
    })
  }

  /** Give up a place; false when the ticket held none. */
  async leave(ticket: string): Promise<boolean> {
    const r = await this.db.write('DELETE FROM login_queue WHERE ticket_hash = ?', [tokenHash(ticket)])
    return r.affectedRows > 0
  }

  /** Drop these users' places (not empty; logout). */
  async drop(q: Tx | LoginDb, userIds: readonly bigint[]): Promise<void> {
    await q.exec(`DELETE FROM login_queue WHERE user_id IN (${inList(userIds.length)})`, [...userIds])
  }

  /** Places whose holders stopped showing up. */
  async sweep(now: number): Promise<number> {
    const r = await this.db.write('DELETE FROM login_queue WHERE last_seen_ms < ? LIMIT 10000', [
      now - this.cfg.keepAliveMs,
    ])
    return r.affectedRows
  }

  /** Live places (metrics). */
  async length(now: number): Promise<number> {
    const [r] = await this.db.rows('SELECT COUNT(*) AS n FROM login_queue WHERE last_seen_ms >= ?', [
      now - this.cfg.keepAliveMs,
    ])
    return Number(r?.n ?? 0)
  }

  private free(c: { online: number; reserved: number }): number {
    return this.cfg.onlineCap - c.online - c.reserved
  }

  /** Players online, hand-offs pending for players not online, and live places ahead of `seq`. */
  private async counts(
    q: Tx | LoginDb,
    now: number,
    seq: bigint | null,
  ): Promise<{ online: number; reserved: number; ahead: number }> {
    const [r] = await q.rows(
      `SELECT (SELECT COUNT(*) FROM online_sessions) AS online,
              (SELECT COUNT(DISTINCT t.user_id) FROM handoff_tokens t
                 LEFT JOIN online_sessions o ON o.user_id = t.user_id
                WHERE t.used_at_ms IS NULL AND t.expires_at_ms > ? AND o.user_id IS NULL) AS reserved,
              (SELECT COUNT(*) FROM login_queue WHERE last_seen_ms >= ?${seq === null ? '' : ' AND seq < ?'}) AS ahead`,
      seq === null ? [now, now - this.cfg.keepAliveMs] : [now, now - this.cfg.keepAliveMs, seq],
    )
    return {
      online: Number(r?.online ?? 0),
      reserved: Number(r?.reserved ?? 0),
      ahead: Number(r?.ahead ?? 0),
    }
  }
}

/** Serialise admission decisions across login processes. */
async function lockAdmission(tx: Tx): Promise<void> {
  await tx.rows('SELECT admitted FROM login_admission WHERE id = 1 FOR UPDATE')
}
