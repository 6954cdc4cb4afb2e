import type { LoginDb } from '../db/index.js'
import { type GatewayInstance, markOnline } from './handoff-tokens.js'

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
    for (const s of offline)
      await this.db.write(
        'DELETE FROM online_sessions WHERE user_id = ? AND gateway_service_id = ? AND login_epoch <= ?',
        [s.userId, at.serviceId, s.loginEpoch],
      )
    if (full) {
      if (online.length === 0)
        await this.db.write('DELETE FROM online_sessions WHERE gateway_service_id = ?', [at.serviceId])
      else
        await this.db.write(
          `DELETE FROM online_sessions WHERE gateway_service_id = ?
             AND (gateway_started_at_ms <> ? OR user_id NOT IN (${online.map(() => '?').join(',')}))`,
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

  /** Where a user is online (for a kick on logout). */
  async where(userId: bigint): Promise<{ gatewayServiceId: number; loginEpoch: bigint } | null> {
    const [r] = await this.db.rows(
      'SELECT gateway_service_id, login_epoch FROM online_sessions WHERE user_id = ?',
      [userId],
    )
    return r ? { gatewayServiceId: Number(r.gateway_service_id), loginEpoch: BigInt(r.login_epoch) } : null
  }

  async remove(userId: bigint): Promise<void> {
    await this.db.write('DELETE FROM online_sessions WHERE user_id = ?', [userId])
  }

  async count(): Promise<number> {
    const [r] = await this.db.rows('SELECT COUNT(*) AS n FROM online_sessions')
    return Number(r?.n ?? 0)
  }
}
