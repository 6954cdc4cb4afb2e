// The bots' logout against a real login service (its own process, real
// MariaDB): a "retry shortly" refusal is retried until the logout goes
// through; any other refusal is not. Login is brought into the refusing
// state for real: one logout's batch held on a row lock the test takes, a
// second one waiting, so the queue (login.logout.maxQueued 1) is full.
import { DbClient, QueryMetrics, silentLogger } from '@tessera/storage'
import { serverUrl } from '@tessera/storage/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// The login suites' node: a center, a gateway member and the login process.
import { type LoginNode, post, startLoginNode } from '../../../../tests/login/support/login-node.js'
import { Transports } from '../net/transports.js'
import { BotStats } from '../stats/bot-stats.js'
import { type BotContext, Player } from './bot-context.js'

const options: BotContext['options'] = {
  rounds: 1,
  idleMs: 0,
  hostile: {},
  baselineS: 0,
  hostileIps: [],
  chat: { ratePerSec: 1, burst: 1, channels: 1, worldEvery: 1, linesPerSec: 1, exceedRate: false },
}

describe('a bot logging out (real login service)', () => {
  let node: LoginNode
  let db: DbClient
  const stats = new BotStats()
  let bots = 0
  /** A player logged in through the real login API, as the bots CLI makes them. */
  const player = async (): Promise<Player> => {
    const name = `lo${++bots}`
    const bot: BotContext = {
      name,
      stack: 'tcp',
      net: new Transports(node.http, '127.0.3.1'),
      stats,
      stop: new AbortController().signal,
      options,
      track: () => () => {},
      connected: () => {},
    }
    const p = new Player(bot, 'logout')
    await p.register()
    await p.login()
    return p
  }
  /** Statements of this login database running a logout batch's epoch bump (held by the test's row lock). */
  const heldBatches = async () => {
    const [r] = await db.query<{ n: number }[]>(
      `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
        WHERE DB = ? AND INFO LIKE 'UPDATE accounts SET login_epoch = login_epoch + 1%'`,
      [node.database],
    )
    return Number(r?.n ?? 0)
  }
  const refusedBusy = () => stats.snapshot().counts['login.busy'] ?? 0
  /** What login answers a session token now (LOGIN_BAD_SESSION once it ended). */
  const sessionState = async (sessionToken: string) => {
    const r = await post(node.http, '/v1/nickname', { sessionToken, nickname: 'still here' })
    return r.body.error?.code ?? 'OK'
  }

  beforeAll(async () => {
    node = await startLoginNode({
      processes: 1,
      // One logout may wait while a batch runs; the held batch must not hit the database deadline.
      login: { logout: { maxQueued: 1 }, database: { deadlineMs: 60_000 } },
    })
    db = await DbClient.open(
      { url: await serverUrl(), database: node.database },
      new QueryMetrics(),
      silentLogger,
    )
  }, 120_000)
  afterAll(async () => {
    await db?.close()
    await node?.stop()
  }, 60_000)

  it('retries LOGIN_LOGOUT_BUSY until the logout goes through', { timeout: 120_000 }, async () => {
    const [a, b, c] = [await player(), await player(), await player()]
    const tokens = [a, b, c].map((p) => p.loggedIn!.sessionToken)
    // Hold a's account row: a's logout batch waits on it inside its transaction.
    const lock = await db.getConnection()
    let held = true
    try {
      await lock.query('START TRANSACTION')
      await lock.query('SELECT login_epoch FROM accounts WHERE user_id = ? FOR UPDATE', [a.loggedIn!.userId])
      const outA = a.logout()
      await expect.poll(heldBatches, { timeout: 30_000 }).toBe(1)
      // The batch runs: b and c arrive, one waits in the queue, the other is refused and retries.
      const outB = b.logout()
      const outC = c.logout()
      await expect.poll(refusedBusy, { timeout: 30_000 }).toBeGreaterThan(0)
      // What a client sees meanwhile: 503, the code, retry after 1 s.
      const refused = await post(node.http, '/v1/logout', { sessionToken: tokens[0] })
      expect(refused.status).toBe(503)
      expect(refused.body.error).toMatchObject({ code: 'LOGIN_LOGOUT_BUSY', retryAfterMs: 1000 })
      await lock.query('ROLLBACK')
      held = false
      await Promise.all([outA, outB, outC])
    } finally {
      if (held) await lock.query('ROLLBACK').catch(() => {})
      lock.release()
    }
    for (const t of tokens) expect(await sessionState(t)).toBe('LOGIN_BAD_SESSION')
  })

  it('does not retry a refusal that is not "retry shortly" (a session a later login ended)', {
    timeout: 60_000,
  }, async () => {
    const p = await player()
    const token = p.loggedIn!.sessionToken
    // The same account logs in elsewhere: p's session is over.
    const again = await post(node.http, '/v1/login', { account: p.account, password: p.password })
    expect(again.status).toBe(200)
    const busyBefore = refusedBusy()
    // A retried LOGIN_BAD_SESSION would count as "an earlier attempt went through" and resolve.
    await expect(p.logout()).rejects.toMatchObject({ code: 'LOGIN_BAD_SESSION' })
    expect(refusedBusy()).toBe(busyBefore)
    expect(await sessionState(token)).toBe('LOGIN_BAD_SESSION')
    expect(await sessionState(again.body.sessionToken as string)).toBe('OK')
  })
})
