import type { AccountRules, AccountStore, PasswordHasher } from './accounts/index.js'
import type { Admission, Admitted, QueueStatus } from './admission/index.js'
import type { LoginDb } from './db/index.js'
import { LoginAccountTaken, LoginBadCredentials } from './errors.js'
import type {
  GatewayInstance,
  HandoffTokens,
  OnlineSessions,
  Redeemed,
  SessionEntry,
} from './handoff/index.js'
import {
  type InFlight,
  ipKey,
  type StormWatch,
  type Throttle,
  type ThrottleKey,
  ThrottleScope,
} from './limits/index.js'
import type { LogoutBatcher } from './logout/index.js'

export interface LoginServiceDeps {
  db: LoginDb
  rules: AccountRules
  hasher: PasswordHasher
  accounts: AccountStore
  throttle: Throttle
  /** Password checks running at once per client address (the per-address counter charges failures only). */
  inFlight: InFlight
  admission: Admission
  /** Logouts, ended in batches. */
  logouts: LogoutBatcher
  tokens: HandoffTokens
  online: OnlineSessions
  /** Snowflake user ids. */
  newUserId: () => bigint
  now: () => number
  sessionTtlMs: number
  ipv6PrefixBits: number
  /** Tell the gateway holding a user to end sessions older than `loginEpoch`. */
  kick: (gatewayServiceId: number, userId: bigint, loginEpoch: bigint, reason: string) => void
  logger: { warn(o: object, m?: string): void }
  /** Told of every refused password check (wrong, unknown or throttled), for the login-storm alert. */
  storm?: StormWatch
}

/** The answer to a login: the account session plus a hand-off or a queue place (AccountLoginRes). */
export interface LoginResult {
  userId: bigint
  nickname: string
  sessionToken: string
  sessionExpiresAtMs: bigint
  handoff?: Admitted['handoff']
  queue?: Admitted['queue']
}

/** The counters a password check runs under. */
interface CheckKeys {
  account: ThrottleKey
  ip: ThrottleKey
}

/** Who asks: the client's address (for the per-address limits). */
export interface Caller {
  ip: string
}

/**
 * Every operation of the login service, independent of how the client
 * reached it: the HTTP routes, the socket handlers and the cluster API all
 * call these, so both client paths have the same rules and limits.
 */
export class LoginService {
  constructor(private readonly d: LoginServiceDeps) {}

  /** Client addresses with a password check running in this process. */
  get inFlightAddresses(): number {
    return this.d.inFlight.size
  }

  async register(
    input: { account: string; password: string; nickname: string },
    caller: Caller,
  ): Promise<{ userId: bigint; account: string; nickname: string }> {
    const { rules, accounts, hasher, throttle } = this.d
    const account = rules.account(input.account)
    const nickname = rules.nickname(input.nickname === '' ? input.account : input.nickname)
    const password = rules.password(input.password, account)
    const now = this.d.now()
    await throttle.reserve([{ scope: ThrottleScope.register, subject: this.ip(caller) }], now)
    // Fail fast before paying for a hash; the unique key still decides races.
    if (await accounts.exists(account)) throw new LoginAccountTaken()
    const passwordHash = await hasher.hash(password)
    for (let attempt = 0; ; attempt++) {
      const userId = this.d.newUserId()
      if (await accounts.insert({ userId, account, nickname, passwordHash }, this.d.now()))
        return { userId, account, nickname }
      if (attempt >= 3) throw new Error(`user id collision ${attempt + 1} times in a row`)
    }
  }

  async login(input: { account: string; password: string }, caller: Caller): Promise<LoginResult> {
    const { rules, accounts, hasher, admission } = this.d
    const account = rules.account(input.account)
    const password = rules.loginPassword(input.password)
    const keys: CheckKeys = {
      account: { scope: ThrottleScope.account, subject: account },
      ip: { scope: ThrottleScope.ip, subject: this.ip(caller) },
    }
    const a = await this.checked(keys, async () => {
      const found = await accounts.byName(account)
      // An unknown name costs one verify too, so timing does not tell which names exist.
      const ok =
        found === null
          ? await hasher.verifyDummy(password)
          : await hasher.verify(found.passwordHash, password)
      return ok ? found : null
    })
    const now = this.d.now()
    if (hasher.needsRehash(a.passwordHash)) await this.rehash(a.userId, a.passwordHash, password)
    const epoch = await accounts.bumpEpoch(this.d.db, a.userId, now)
    const session = await accounts.newSession(this.d.db, a.userId, epoch, now + this.d.sessionTtlMs)
    const admitted = await admission.enter(a.userId, epoch, now)
    return {
      userId: a.userId,
      nickname: a.nickname,
      sessionToken: session.token,
      sessionExpiresAtMs: BigInt(session.expiresAt),
      ...admitted,
    }
  }

  queuePoll(ticket: string): Promise<QueueStatus> {
    return this.d.admission.poll(ticket, this.d.now())
  }

  queueLeave(ticket: string): Promise<boolean> {
    return this.d.admission.leave(ticket)
  }

  /**
   * End the account session everywhere: tokens and sessions of this epoch
   * stop working, the gateway kicks. Batched with the other logouts of the
   * moment (LogoutBatcher).
   */
  logout(sessionToken: string): Promise<void> {
    return this.d.logouts.logout(sessionToken)
  }

  /** New password after checking the current one (which counts against the failure limits). */
  async changePassword(
    input: { sessionToken: string; currentPassword: string; newPassword: string },
    caller: Caller,
  ): Promise<{ sessionToken: string; sessionExpiresAtMs: bigint }> {
    const { rules, accounts, hasher, db } = this.d
    const me = await accounts.session(input.sessionToken, this.d.now())
    const current = rules.loginPassword(input.currentPassword)
    const next = rules.password(input.newPassword, me.account)
    const keys: CheckKeys = {
      account: { scope: ThrottleScope.account, subject: me.account },
      ip: { scope: ThrottleScope.ip, subject: this.ip(caller) },
    }
    await this.checked(keys, async () => ((await hasher.verify(me.passwordHash, current)) ? me : null))
    const now = this.d.now()
    const hash = await hasher.hash(next)
    const session = await db.tx(async (tx) => {
      await accounts.setPassword(tx, me.userId, hash, now)
      const epoch = await accounts.bumpEpoch(tx, me.userId, now)
      await accounts.dropSessions(tx, [me.userId])
      return accounts.newSession(tx, me.userId, epoch, now + this.d.sessionTtlMs)
    })
    return { sessionToken: session.token, sessionExpiresAtMs: BigInt(session.expiresAt) }
  }

  async changeNickname(input: { sessionToken: string; nickname: string }): Promise<{ nickname: string }> {
    const me = await this.d.accounts.session(input.sessionToken, this.d.now())
    const nickname = this.d.rules.nickname(input.nickname)
    await this.d.accounts.setNickname(me.userId, nickname)
    return { nickname }
  }

  /** Cluster API: a gateway redeems a hand-off token. */
  redeem(token: string, at: GatewayInstance): Promise<Redeemed> {
    return this.d.tokens.redeem(token, at, this.d.now())
  }

  /** Cluster API: a gateway's online/offline report. */
  report(
    at: GatewayInstance,
    online: readonly SessionEntry[],
    offline: readonly SessionEntry[],
    full: boolean,
  ): Promise<number> {
    return this.d.online.report(at, online, offline, full, this.d.now())
  }

  /** A gateway instance left the cluster. */
  gatewayGone(at: GatewayInstance): Promise<number> {
    return this.d.online.dropInstance(at)
  }

  /**
   * A password check under the failure limits. The account's counter is
   * reserved before the check (LOGIN_THROTTLED_ACCOUNT when full): a wrong
   * password keeps the reservation, a right one clears the count, a check
   * that could not run (busy, database down) gives it back. The address's
   * counter is only looked at first (LOGIN_THROTTLED_IP when full) and
   * charged when the check fails, so many players behind one NAT logging in
   * at once are not counted as failures; guesses raced past a full counter
   * are bounded by the per-address in-flight cap instead.
   */
  private async checked<T>(keys: CheckKeys, check: () => Promise<T | null>): Promise<T> {
    const { throttle } = this.d
    const leave = this.d.inFlight.enter(keys.ip.subject)
    try {
      try {
        await throttle.admit(keys.ip, this.d.now())
        await throttle.reserve([keys.account], this.d.now())
      } catch (err) {
        if ((err as { code?: string }).code?.startsWith('LOGIN_THROTTLED')) this.d.storm?.failed(this.d.now())
        throw err
      }
      let found: T | null
      try {
        found = await check()
      } catch (err) {
        await throttle.giveBack(keys.account, this.d.now(), 'one').catch(() => {})
        throw err
      }
      if (found === null) {
        await throttle.charge(keys.ip, this.d.now())
        this.d.storm?.failed(this.d.now())
        throw new LoginBadCredentials()
      }
      await throttle.giveBack(keys.account, this.d.now(), 'all')
      return found
    } finally {
      leave()
    }
  }

  private ip(caller: Caller): string {
    return ipKey(caller.ip, this.d.ipv6PrefixBits)
  }

  /** Hash again with the current parameters; a failure only costs the upgrade. */
  private async rehash(userId: bigint, old: string, password: string): Promise<void> {
    try {
      await this.d.accounts.replaceHash(userId, old, await this.d.hasher.hash(password))
    } catch (err) {
      this.d.logger.warn({ err, userId: String(userId) }, 'login: password rehash failed')
    }
  }
}
