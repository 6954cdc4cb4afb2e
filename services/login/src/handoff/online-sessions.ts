import { inList, type LoginDb, type Tx } from '../db/index.js'
import { type GatewayInstance, markOnline } from './handoff-tokens.js'

/** Offline entries of a report removed per statement. */
const OFFLINE_CHUNK = 500

export interface SessionEntry {
  userId: bigint
  loginEpoch: bigint
}

/**
 * Who is online at which gateway instance, as the gateways report it. The
 * admission cap counts these rows; a gateway instance that leaves the
 * cluster takes its rows with it.
 */
export class OnlineSessions {
  constructor(private readonly db: LoginDb) {}

  /**
   * Apply a gateway's report. Offline entries only remove a row of the same
   * gateway and an epoch not newer than reported (a newer login elsewhere
   * stays). With `full`, rows of this gateway missing from `online` go, and
   * so do rows of its earlier instances. Returns the gateway's row count.
   */
  async report(
    at: GatewayInstance,
    online: readonly SessionEntry[],
    offline: readonly SessionEntry[],
    full: boolean,
    now: number,
  ): Promise<number> {
    for (const s of online) await markOnline(this.db, s.userId, at, s.loginEpoch, now)
    // One statement per chunk, not per entry: a game winding down ends
    // thousands of sessions in a second, beside their logouts.
    for (let i = 0; i < offline.length; i += OFFLINE_CHUNK) {
      const part = offline.slice(i, i + OFFLINE_CHUNK)
      await this.db.write(
        `DELETE FROM online_sessions WHERE gateway_service_id = ?
           AND (${part.map(() => '(user_id = ? AND login_epoch <= ?)').join(' OR ')})`,
        [at.serviceId, ...part.flatMap((s) => [s.userId, s.loginEpoch])],
      )
    }
    if (full) {
      if (online.length === 0)
        await this.db.write('DELETE FROM online_sessions WHERE gateway_service_id = ?', [at.serviceId])
      else
        await this.db.write(
          `DELETE FROM online_sessions WHERE gateway_service_id = ?
             AND (gateway_started_at_ms <> ? OR user_id NOT IN (${inList(online.length)}))`,
          [at.serviceId, at.startedAtMs, ...online.map((s) => s.userId)],
        )
    }
    const [r] = await this.db.rows(
      'SELECT COUNT(*) AS n FROM online_sessions WHERE gateway_service_id = ? AND gateway_started_at_ms = ?',
      [at.serviceId, at.startedAtMs],
    )
    return Number(r?.n ?? 0)
  }

  /** A gateway instance left the cluster: its players are no longer online. */
  async dropInstance(at: GatewayInstance): Promise<number> {
    const r = await this.db.write(
      'DELETE FROM online_sessions WHERE gateway_service_id = ? AND gateway_started_at_ms = ?',
      [at.serviceId, at.startedAtMs],
    )
    return r.affectedRows
  }

  /**
   * Rows of gateway instances not in `live` and older than `olderThan` (the
   * janitor: instances that left while no login process was watching).
   */
  async dropMissing(live: readonly GatewayInstance[], olderThan: number): Promise<number> {
    const keep = live.map(() => '(?, ?)').join(',')
    const r = await this.db.write(
      `DELETE FROM online_sessions WHERE since_ms < ?${
        live.length ? ` AND (gateway_service_id, gateway_started_at_ms) NOT IN (${keep})` : ''
      }`,
      [olderThan, ...live.flatMap((g) => [g.serviceId, g.startedAtMs])],
    )
    return r.affectedRows
  }

  /**
   * Logout: these users (not empty) are no longer online anywhere. Returns
   * where each of them was (user id → gateway service id), for the kicks.
   */
  async take(tx: Tx, userIds: readonly bigint[]): Promise<Map<bigint, number>> {
    // Locked, so a redeem racing the logout cannot slip a row in between.
    const rows = await tx.rows(
      `SELECT user_id, gateway_service_id FROM online_sessions WHERE user_id IN (${inList(userIds.length)}) FOR UPDATE`,
      [...userIds],
    )
    if (rows.length > 0)
      await tx.exec(`DELETE FROM online_sessions WHERE user_id IN (${inList(rows.length)})`, [
        ...rows.map((r) => r.user_id),
      ])
    return new Map(rows.map((r) => [BigInt(r.user_id), Number(r.gateway_service_id)]))
  }

  async count(): Promise<number> {
    const [r] = await this.db.rows('SELECT COUNT(*) AS n FROM online_sessions')
    return Number(r?.n ?? 0)
  }
}
