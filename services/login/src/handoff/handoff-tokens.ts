import type { LoginDb, Row, Tx } from '../db/index.js'
import { newSecretToken, tokenHash } from '../db/index.js'
import {
  LoginTokenExpired,
  LoginTokenSuperseded,
  LoginTokenUnknown,
  LoginTokenUsed,
  LoginTokenWrongGateway,
} from '../errors.js'

export interface Redeemed {
  userId: bigint
  account: string
  nickname: string
  loginEpoch: bigint
}

/** The redeeming gateway instance (its id and registry start time). */
export interface GatewayInstance {
  serviceId: number
  startedAtMs: bigint
  /** Its port group (gateway-group.ts); '' when unknown. */
  group?: string
}

/**
 * Hand-off tokens: opaque (256 random bits; the database keeps only their
 * SHA-256), single use, short-lived, bound to one user, one gateway (the
 * processes behind its client ports: its port group) and the account's
 * login epoch at issue.
 */
export class HandoffTokens {
  constructor(private readonly db: LoginDb) {}

  async issue(
    q: Tx | LoginDb,
    userId: bigint,
    gateway: { serviceId: number; group: string },
    loginEpoch: bigint,
    expiresAt: number,
  ): Promise<string> {
    const token = newSecretToken()
    await q.exec(
      `INSERT INTO handoff_tokens (token_hash, user_id, gateway_service_id, gateway_group, login_epoch, expires_at_ms)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [tokenHash(token), userId, gateway.serviceId, gateway.group, loginEpoch, expiresAt],
    )
    return token
  }

  /**
   * Redeem a token at a gateway. The token row (and its account) is locked
   * for the check and the use, so of two racing redeems the second sees the
   * first one's mark: exactly one wins. A success records the user online at
   * that gateway in the same transaction, so the online count never misses a
   * player between redeem and the gateway's first report.
   */
  redeem(token: string, at: GatewayInstance, now: number): Promise<Redeemed> {
    const h = tokenHash(token)
    return this.db.tx(async (tx) => {
      const [r] = await tx.rows(
        `SELECT t.user_id, t.gateway_service_id, t.gateway_group, t.login_epoch, t.expires_at_ms, t.used_at_ms,
                a.account, a.nickname, a.login_epoch AS current_epoch
           FROM handoff_tokens t JOIN accounts a ON a.user_id = t.user_id
          WHERE t.token_hash = ? FOR UPDATE`,
        [h],
      )
      if (!r) throw new LoginTokenUnknown()
      if (r.used_at_ms !== null) throw new LoginTokenUsed()
      if (!sameGateway(r, at)) throw new LoginTokenWrongGateway(Number(r.gateway_service_id), at.serviceId)
      if (Number(r.expires_at_ms) <= now) throw new LoginTokenExpired()
      const epoch = BigInt(r.login_epoch)
      if (epoch !== BigInt(r.current_epoch)) throw new LoginTokenSuperseded()
      await tx.exec('UPDATE handoff_tokens SET used_at_ms = ? WHERE token_hash = ?', [now, h])
      const userId = BigInt(r.user_id)
      await markOnline(tx, userId, at, epoch, now)
      return { userId, account: String(r.account), nickname: String(r.nickname), loginEpoch: epoch }
    })
  }

  /** Tokens past their expiry (kept a minute longer, so a late redeem still reads "expired"). */
  async sweep(now: number): Promise<number> {
    const r = await this.db.write('DELETE FROM handoff_tokens WHERE expires_at_ms < ? LIMIT 10000', [
      now - 60_000,
    ])
    return r.affectedRows
  }
}

/** The gateway named in the token, or another process of its port group (a node:cluster sibling). */
function sameGateway(r: Row, at: GatewayInstance): boolean {
  if (Number(r.gateway_service_id) === at.serviceId) return true
  const group = String(r.gateway_group)
  return group !== '' && group === at.group
}

/**
 * Record a user online at a gateway instance unless a newer login epoch is
 * already recorded (a late report of an older session never overwrites a
 * newer one). Assignments run left to right: login_epoch is compared before
 * it is overwritten, so it comes last.
 */
export async function markOnline(
  q: Tx | LoginDb,
  userId: bigint,
  at: GatewayInstance,
  epoch: bigint,
  now: number,
): Promise<void> {
  await q.exec(
    `INSERT INTO online_sessions (user_id, gateway_service_id, gateway_started_at_ms, login_epoch, since_ms)
     VALUES (?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE
       gateway_service_id = IF(VALUES(login_epoch) >= login_epoch, VALUES(gateway_service_id), gateway_service_id),
       gateway_started_at_ms = IF(VALUES(login_epoch) >= login_epoch, VALUES(gateway_started_at_ms), gateway_started_at_ms),
       since_ms = IF(VALUES(login_epoch) >= login_epoch, VALUES(since_ms), since_ms),
       login_epoch = GREATEST(login_epoch, VALUES(login_epoch))`,
    [userId, at.serviceId, at.startedAtMs, epoch, now],
  )
}
