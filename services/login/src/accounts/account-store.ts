import type { LoginDb, Row, Tx } from '../db/index.js'
import { inList, newSecretToken, tokenHash } from '../db/index.js'
import { LoginAccountTaken, LoginBadSession } from '../errors.js'

export interface Account {
  userId: bigint
  account: string
  nickname: string
  passwordHash: string
  loginEpoch: bigint
}

/** A valid account session: the account as it is now. */
export interface SessionOwner extends Account {
  sessionHash: Buffer
}

const COLS = 'user_id, account, nickname, password_hash, login_epoch'

function toAccount(r: Row): Account {
  return {
    userId: BigInt(r.user_id),
    account: String(r.account),
    nickname: String(r.nickname),
    passwordHash: String(r.password_hash),
    loginEpoch: BigInt(r.login_epoch),
  }
}

/**
 * Accounts and account sessions in login's database. The login epoch is the
 * one revocation counter: every login, logout and password change bumps it,
 * and hand-off tokens and sessions of an older epoch stop working.
 */
export class AccountStore {
  constructor(private readonly db: LoginDb) {}

  async byName(account: string): Promise<Account | null> {
    const rows = await this.db.rows(`SELECT ${COLS} FROM accounts WHERE account = ?`, [account])
    return rows[0] ? toAccount(rows[0]) : null
  }

  async exists(account: string): Promise<boolean> {
    return (await this.db.rows('SELECT 1 FROM accounts WHERE account = ?', [account])).length > 0
  }

  /**
   * Insert a new account. A taken name is LOGIN_ACCOUNT_TAKEN; a taken user
   * id (two processes that share a machine id minted the same snowflake)
   * returns false so the caller retries with a fresh id.
   */
  async insert(a: Omit<Account, 'loginEpoch'>, now: number): Promise<boolean> {
    try {
      await this.db.exec(
        `INSERT INTO accounts (user_id, account, nickname, password_hash, login_epoch, created_at_ms, password_changed_at_ms)
         VALUES (?, ?, ?, ?, 0, ?, ?)`,
        [a.userId, a.account, a.nickname, a.passwordHash, now, now],
      )
      return true
    } catch (err) {
      const e = err as { code?: string; message?: string }
      if (e.code !== 'ER_DUP_ENTRY') throw err
      if (/uniq_account/.test(e.message ?? '')) throw new LoginAccountTaken()
      return false
    }
  }

  /** Replace a hash if it is still `old` (a rehash racing a password change loses). */
  async replaceHash(userId: bigint, old: string, next: string): Promise<boolean> {
    const r = await this.db.exec(
      'UPDATE accounts SET password_hash = ? WHERE user_id = ? AND password_hash = ?',
      [next, userId, old],
    )
    return r.affectedRows === 1
  }

  async setPassword(tx: Tx, userId: bigint, hash: string, now: number): Promise<void> {
    await tx.exec('UPDATE accounts SET password_hash = ?, password_changed_at_ms = ? WHERE user_id = ?', [
      hash,
      now,
      userId,
    ])
  }

  async setNickname(userId: bigint, nickname: string): Promise<void> {
    await this.db.write('UPDATE accounts SET nickname = ? WHERE user_id = ?', [nickname, userId])
  }

  /** Bump the login epoch; returns the new value (read back through LAST_INSERT_ID in the same statement). */
  async bumpEpoch(q: Tx | LoginDb, userId: bigint, now: number): Promise<bigint> {
    const r = await q.exec(
      'UPDATE accounts SET login_epoch = LAST_INSERT_ID(login_epoch + 1), last_login_at_ms = ? WHERE user_id = ?',
      [now, userId],
    )
    return BigInt(r.insertId)
  }

  /** A new account session bound to `epoch`. */
  async newSession(
    q: Tx | LoginDb,
    userId: bigint,
    epoch: bigint,
    expiresAt: number,
  ): Promise<{ token: string; expiresAt: number }> {
    const token = newSecretToken()
    await q.exec(
      'INSERT INTO login_sessions (token_hash, user_id, login_epoch, expires_at_ms) VALUES (?, ?, ?, ?)',
      [tokenHash(token), userId, epoch, expiresAt],
    )
    return { token, expiresAt }
  }

  /** The account behind a session token, or LOGIN_BAD_SESSION. */
  async session(token: string, now: number): Promise<SessionOwner> {
    const h = tokenHash(token)
    const rows = await this.db.rows(
      `SELECT a.user_id, a.account, a.nickname, a.password_hash, a.login_epoch
         FROM login_sessions s JOIN accounts a ON a.user_id = s.user_id
        WHERE s.token_hash = ? AND s.expires_at_ms > ? AND s.login_epoch = a.login_epoch`,
      [h, now],
    )
    if (!rows[0]) throw new LoginBadSession()
    return { ...toAccount(rows[0]), sessionHash: h }
  }

  /**
   * The owners of the valid session tokens among `tokens` (a logout batch, not empty):
   * token → user id; a token missing from the answer is unknown, expired or
   * of an older login epoch.
   */
  async sessionOwners(tokens: readonly string[], now: number): Promise<Map<string, bigint>> {
    const byHash = new Map(tokens.map((t) => [tokenHash(t).toString('hex'), t]))
    const rows = await this.db.rows(
      `SELECT s.token_hash, s.user_id FROM login_sessions s JOIN accounts a ON a.user_id = s.user_id
        WHERE s.token_hash IN (${inList(byHash.size)}) AND s.expires_at_ms > ? AND s.login_epoch = a.login_epoch`,
      [...[...byHash.keys()].map((h) => Buffer.from(h, 'hex')), now],
    )
    const owners = new Map<string, bigint>()
    for (const r of rows) {
      const t = byHash.get(Buffer.from(r.token_hash as Buffer).toString('hex'))
      if (t !== undefined) owners.set(t, BigInt(r.user_id))
    }
    return owners
  }

  /** Bump the login epoch of every user in `userIds` (not empty); returns user id → new epoch. */
  async bumpEpochs(tx: Tx, userIds: readonly bigint[], now: number): Promise<Map<bigint, bigint>> {
    await tx.exec(
      `UPDATE accounts SET login_epoch = login_epoch + 1, last_login_at_ms = ? WHERE user_id IN (${inList(userIds.length)})`,
      [now, ...userIds],
    )
    // The rows are locked by the UPDATE until COMMIT: this reads our own values.
    const rows = await tx.rows(
      `SELECT user_id, login_epoch FROM accounts WHERE user_id IN (${inList(userIds.length)})`,
      [...userIds],
    )
    return new Map(rows.map((r) => [BigInt(r.user_id), BigInt(r.login_epoch)]))
  }

  /** Drop every session of these users (not empty; logout, password change). */
  async dropSessions(q: Tx | LoginDb, userIds: readonly bigint[]): Promise<void> {
    await q.exec(`DELETE FROM login_sessions WHERE user_id IN (${inList(userIds.length)})`, [...userIds])
  }

  /** Expired sessions, and sessions of an older epoch (ended by a later login). */
  async sweep(now: number): Promise<number> {
    const r = await this.db.write(
      `DELETE s FROM login_sessions s JOIN accounts a ON a.user_id = s.user_id
        WHERE s.expires_at_ms <= ? OR s.login_epoch < a.login_epoch`,
      [now],
    )
    return r.affectedRows
  }
}
