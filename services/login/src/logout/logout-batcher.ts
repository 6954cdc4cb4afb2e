import type { AccountStore } from '../accounts/index.js'
import type { Admission } from '../admission/index.js'
import type { LoginSection } from '../config.js'
import type { LoginDb } from '../db/index.js'
import { LoginBadSession, LoginLogoutBusy } from '../errors.js'
import type { OnlineSessions } from '../handoff/index.js'

export type LogoutConfig = LoginSection['logout']

export interface LogoutDeps {
  db: LoginDb
  accounts: AccountStore
  admission: Admission
  online: OnlineSessions
  now: () => number
  /** Tell the gateway holding a user to end sessions older than `loginEpoch`. */
  kick: (gatewayServiceId: number, userId: bigint, loginEpoch: bigint, reason: string) => void
}

interface Waiting {
  token: string
  resolve: () => void
  reject: (err: unknown) => void
}

/**
 * Logouts, ended in batches. When a whole game winds down every player
 * logs out in the same second; one transaction per logout (each with its
 * own statements and commit) queued thousands of calls for the database
 * pool, which refused past its queue (LOGIN_UNAVAILABLE for 992 of 2,000 in
 * tests/login/logout-storm.test.ts). Here the logouts that arrive while a
 * batch runs wait and go together in the next one: one read of the
 * sessions, one transaction, one commit for up to `maxBatch` of them, and
 * one batch at a time per process. Logout checks no password, so nothing
 * here waits behind the hasher. At most `maxQueued` wait; past that
 * LOGIN_LOGOUT_BUSY (retry shortly).
 */
export class LogoutBatcher {
  private waiting: Waiting[] = []
  private running = false

  constructor(
    private readonly d: LogoutDeps,
    private readonly cfg: LogoutConfig,
  ) {}

  /** End the account session of `token` everywhere (see LoginService.logout). */
  logout(token: string): Promise<void> {
    if (this.waiting.length >= this.cfg.maxQueued)
      return Promise.reject(new LoginLogoutBusy(this.waiting.length))
    return new Promise((resolve, reject) => {
      this.waiting.push({ token, resolve, reject })
      if (this.running) return
      this.running = true
      // Logouts that arrive in the same turn of the event loop go together.
      setImmediate(() => void this.drain())
    })
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.cfg.maxBatch)
        try {
          const refused = await this.end(batch.map((w) => w.token))
          for (const [i, w] of batch.entries()) {
            if (refused.has(i)) w.reject(new LoginBadSession())
            else w.resolve()
          }
        } catch (err) {
          for (const w of batch) w.reject(err)
        }
      }
    } finally {
      this.running = false
    }
  }

  /** One batch; returns the tokens refused (unknown, expired, ended, or a repeat within the batch). */
  private async end(tokens: readonly string[]): Promise<Set<number>> {
    const { db, accounts, admission, online } = this.d
    const owners = await accounts.sessionOwners(tokens, this.d.now())
    const refused = new Set<number>()
    const users: bigint[] = []
    const seen = new Set<bigint>()
    tokens.forEach((t, i) => {
      const u = owners.get(t)
      // A repeat is refused as it would be one after the other: the first ended the session.
      if (u === undefined || seen.has(u)) refused.add(i)
      else {
        seen.add(u)
        users.push(u)
      }
    })
    if (users.length === 0) return refused
    // Ascending ids: concurrent batches (other login processes) lock rows in the same order.
    users.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const { epochs, where } = await db.tx(async (tx) => {
      const e = await accounts.bumpEpochs(tx, users, this.d.now())
      await accounts.dropSessions(tx, users)
      await admission.drop(tx, users)
      return { epochs: e, where: await online.take(tx, users) }
    })
    for (const [userId, gatewayServiceId] of where)
      this.d.kick(gatewayServiceId, userId, epochs.get(userId) ?? 0n, 'logout')
    return refused
  }
}
