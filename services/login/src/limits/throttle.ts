import type { LoginSection } from '../config.js'
import type { LoginDb } from '../db/index.js'
import { LoginThrottledAccount, LoginThrottledIp, LoginThrottledRegister } from '../errors.js'

/** What a counter counts; stored in login_throttle.scope. */
export const ThrottleScope = { account: 1, ip: 2, register: 3 } as const
export type ThrottleScope = (typeof ThrottleScope)[keyof typeof ThrottleScope]

export interface ThrottleKey {
  scope: ThrottleScope
  subject: string
}

type Rates = Pick<LoginSection['limits'], 'account' | 'ip' | 'register'>

const refusal = {
  [ThrottleScope.account]: LoginThrottledAccount,
  [ThrottleScope.ip]: LoginThrottledIp,
  [ThrottleScope.register]: LoginThrottledRegister,
}

// The score decays by `rate` per ms since updated_ms; elapsed time is never
// negative, so a process with a slower clock cannot grow someone's score.
const DECAYED = 'GREATEST(0, score - GREATEST(0, ? - updated_ms) * ?)'

/**
 * Brute-force limits shared by every login process: one row per (scope,
 * subject) in the database holding a decaying score (a leaky bucket of
 * `limit` events per `windowMs`: a burst of `limit`, then one more every
 * `windowMs / limit`). Throttling, never a permanent lock.
 *
 * An attempt reserves its place *before* the password is checked, in one
 * conditional UPDATE per counter, which the database runs atomically per row:
 * however many login processes race, at most `limit` attempts get through
 * a full bucket. A failure keeps its reservation; a success gives it back.
 */
export class Throttle {
  constructor(
    private readonly db: LoginDb,
    private readonly rates: Rates,
  ) {}

  /** Reserve one event on every key, in order; throws the first full counter's LOGIN_THROTTLED_ error. */
  async reserve(keys: readonly ThrottleKey[], now: number): Promise<void> {
    await this.db.write(
      `INSERT IGNORE INTO login_throttle (scope, subject, score, updated_ms) VALUES ${keys.map(() => '(?, ?, 0, ?)').join(', ')}`,
      keys.flatMap((k) => [k.scope, k.subject, now]),
    )
    const taken: ThrottleKey[] = []
    for (const k of keys) {
      const { limit, rate } = this.rate(k.scope)
      const r = await this.db.exec(
        `UPDATE login_throttle SET score = ${DECAYED} + 1, updated_ms = GREATEST(updated_ms, ?)
          WHERE scope = ? AND subject = ? AND ${DECAYED} + 1 <= ?`,
        [now, rate, now, k.scope, k.subject, now, rate, limit],
      )
      if (r.affectedRows === 1) {
        taken.push(k)
        continue
      }
      for (const t of taken) await this.giveBack(t, now, 'one')
      const retryAfterMs = Math.ceil(await this.retryAfterMs(k, now))
      throw refusal[k.scope].with({ details: { retryAfterMs } }, Math.max(1, Math.ceil(retryAfterMs / 1000)))
    }
  }

  /**
   * Refuse when `k`'s counter has no room for one more event, without taking
   * it. For the per-address counter, whose failures are charged only when
   * they happen ({@link charge}): a busy NAT's logins in flight are not
   * failures. Raced guesses past a full counter are bounded by the
   * in-flight cap instead (see InFlight).
   */
  async admit(k: ThrottleKey, now: number): Promise<void> {
    const retryAfterMs = await this.retryAfterMs(k, now)
    if (retryAfterMs <= 0) return
    const ms = Math.ceil(retryAfterMs)
    throw refusal[k.scope].with({ details: { retryAfterMs: ms } }, Math.max(1, Math.ceil(ms / 1000)))
  }

  /** Count one event on `k` (a failure that happened), room or not. */
  async charge(k: ThrottleKey, now: number): Promise<void> {
    const { rate } = this.rate(k.scope)
    await this.db.write(
      `INSERT INTO login_throttle (scope, subject, score, updated_ms) VALUES (?, ?, 1, ?)
        ON DUPLICATE KEY UPDATE score = ${DECAYED} + 1, updated_ms = GREATEST(updated_ms, ?)`,
      [k.scope, k.subject, now, now, rate, now],
    )
  }

  /** Undo one reservation (`one`) or clear the counter (`all`: a good login clears its account's failures). */
  async giveBack(k: ThrottleKey, now: number, how: 'one' | 'all'): Promise<void> {
    const { rate } = this.rate(k.scope)
    if (how === 'all')
      await this.db.exec(
        'UPDATE login_throttle SET score = 0, updated_ms = GREATEST(updated_ms, ?) WHERE scope = ? AND subject = ?',
        [now, k.scope, k.subject],
      )
    else
      await this.db.exec(
        `UPDATE login_throttle SET score = GREATEST(0, ${DECAYED} - 1), updated_ms = GREATEST(updated_ms, ?)
          WHERE scope = ? AND subject = ?`,
        [now, rate, now, k.scope, k.subject],
      )
  }

  /** Milliseconds until one more event fits. */
  async retryAfterMs(k: ThrottleKey, now: number): Promise<number> {
    const { limit, rate } = this.rate(k.scope)
    const rows = await this.db.rows(
      `SELECT ${DECAYED} AS s FROM login_throttle WHERE scope = ? AND subject = ?`,
      [now, rate, k.scope, k.subject],
    )
    const score = Number(rows[0]?.s ?? 0)
    return Math.max(0, (score + 1 - limit) / rate)
  }

  /** Drop counters that have decayed to nothing (the janitor). */
  async sweep(now: number): Promise<number> {
    const longest = Math.max(
      this.rates.account.windowMs,
      this.rates.ip.windowMs,
      this.rates.register.windowMs,
    )
    const r = await this.db.write('DELETE FROM login_throttle WHERE updated_ms < ? LIMIT 10000', [
      now - longest,
    ])
    return r.affectedRows
  }

  private rate(scope: ThrottleScope): { limit: number; rate: number } {
    const r =
      scope === ThrottleScope.account
        ? this.rates.account
        : scope === ThrottleScope.ip
          ? this.rates.ip
          : this.rates.register
    return { limit: r.limit, rate: r.limit / r.windowMs }
  }
}
