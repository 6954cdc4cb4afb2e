import { ManualClock, MemoryGuard, TimerWheel } from '@tessera/kernel'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { at7, code, GOOD, type LoginFixture, loginFixture } from './fixtures/login-fixture.js'
import { assembleLogin } from './login-assembly.js'

describe('LoginService (real MariaDB, manual clock)', () => {
  let f: LoginFixture
  let n = 0
  const ip = () => ({ ip: `192.0.2.${++n}` })
  const account = async (name: string) => {
    await f.service.register({ account: name, password: GOOD, nickname: '' }, ip())
    return name
  }
  beforeAll(async () => {
    f = await loginFixture({ admission: { onlineCap: 1, keepAliveMs: 10_000 } })
  })
  afterAll(() => f?.close())

  it('throttles, never locks: the account limit leaks back over its window', async () => {
    const a = await account('leaky')
    for (let i = 0; i < 5; i++)
      expect(await code(f.service.login({ account: a, password: 'nope nope' }, ip()))).toBe(
        'LOGIN_BAD_CREDENTIALS',
      )
    expect(await code(f.service.login({ account: a, password: GOOD }, ip()))).toBe('LOGIN_THROTTLED_ACCOUNT')
    // 5 per minute: one more attempt every 12 s.
    f.clock.advance(11_000)
    expect(await code(f.service.login({ account: a, password: 'nope nope' }, ip()))).toBe(
      'LOGIN_THROTTLED_ACCOUNT',
    )
    f.clock.advance(1_000)
    expect(await code(f.service.login({ account: a, password: GOOD }, ip()))).toBe('OK')
    // A good login clears the account's failures.
    for (let i = 0; i < 5; i++)
      expect(await code(f.service.login({ account: a, password: 'nope nope' }, ip()))).toBe(
        'LOGIN_BAD_CREDENTIALS',
      )
  })

  it('limits registrations per address (20 an hour)', async () => {
    const from = { ip: '198.51.100.77' }
    for (let i = 0; i < 20; i++)
      await f.service.register({ account: `reg-${i}`, password: GOOD, nickname: '' }, from)
    expect(await code(f.service.register({ account: 'reg-20', password: GOOD, nickname: '' }, from))).toBe(
      'LOGIN_THROTTLED_REGISTER',
    )
    expect(await code(f.service.register({ account: 'reg-20', password: GOOD, nickname: '' }, ip()))).toBe(
      'OK',
    )
  })

  it('ends account sessions at their expiry (7 days by default)', async () => {
    const a = await account('expiring')
    const r = await f.service.login({ account: a, password: GOOD }, ip())
    f.clock.advance(7 * 24 * 3600_000 - 1)
    expect(await code(f.service.changeNickname({ sessionToken: r.sessionToken, nickname: 'Still me' }))).toBe(
      'OK',
    )
    f.clock.advance(1)
    expect(await code(f.service.changeNickname({ sessionToken: r.sessionToken, nickname: 'Too late' }))).toBe(
      'LOGIN_BAD_SESSION',
    )
  })

  it('checks a password for unknown accounts too (dummy verify), and refuses them like a wrong password', async () => {
    const before = f.hasher.stats.dummyVerifies
    expect(await code(f.service.login({ account: 'no-such-player', password: GOOD }, ip()))).toBe(
      'LOGIN_BAD_CREDENTIALS',
    )
    expect(f.hasher.stats.dummyVerifies).toBe(before + 1)
  })

  it('rehashes on login when the Argon2id parameters changed', async () => {
    const a = await account('rehash-me')
    const [row] = await f.db.rows('SELECT password_hash FROM accounts WHERE account = ?', [a])
    expect(String(row!.password_hash)).toContain('m=1024,p=1,t=1')
    const stronger = assembleLogin({
      cfg: { ...f.cfg, argon2: { ...f.cfg.argon2, memoryKiB: 2048, timeCost: 2 } },
      db: f.db,
      gateways: () => f.gateways,
      newUserId: () => 1n,
      now: () => f.clock.now(),
      kick: () => {},
      logger: quiet,
    })
    await stronger.service.login({ account: a, password: GOOD }, ip())
    const [after] = await f.db.rows('SELECT password_hash FROM accounts WHERE account = ?', [a])
    expect(String(after!.password_hash)).toContain('m=2048,p=1,t=2')
    // And the new hash still verifies under both processes' code.
    expect(await code(f.service.login({ account: a, password: GOOD }, ip()))).toBe('OK')
  })

  it('refuses hashing past its queue with LOGIN_BUSY instead of queueing without bound', async () => {
    const busy = assembleLogin({
      cfg: {
        ...f.cfg,
        argon2: { ...f.cfg.argon2, maxConcurrent: 1, maxQueued: 1 },
      },
      db: f.db,
      gateways: () => f.gateways,
      newUserId: () => 1n,
      now: () => f.clock.now(),
      kick: () => {},
      logger: quiet,
    })
    const results = await Promise.all([1, 2, 3].map(() => code(busy.hasher.hash(GOOD))))
    expect(results.sort()).toEqual(['LOGIN_BUSY', 'OK', 'OK'])
  })

  it('answers LOGIN_BUSY_WAITED to a hash that waited maxWaitMs for a slot, while the client still listens', async () => {
    const slow = assembleLogin({
      cfg: {
        ...f.cfg,
        // The real cost (19 MiB): one hash takes far longer than the 1 ms wait.
        argon2: {
          ...f.cfg.argon2,
          memoryKiB: 19_456,
          timeCost: 2,
          maxConcurrent: 1,
          maxQueued: 8,
          maxWaitMs: 1,
        },
      },
      db: f.db,
      gateways: () => f.gateways,
      newUserId: () => 1n,
      now: () => f.clock.now(),
      kick: () => {},
      logger: quiet,
    })
    const results = await Promise.all([1, 2, 3, 4].map(() => code(slow.hasher.hash(GOOD))))
    expect(results).toEqual(['OK', 'LOGIN_BUSY_WAITED', 'LOGIN_BUSY_WAITED', 'LOGIN_BUSY_WAITED'])
    expect(slow.hasher.stats.waitedOut).toBe(3)
    // The slot is free again afterwards.
    expect(await code(slow.hasher.hash(GOOD))).toBe('OK')
  })

  it('queues past the online cap; a queued player who stops showing up loses the place after the grace period', async () => {
    const [a, b, c] = [await account('cap-a'), await account('cap-b'), await account('cap-c')]
    // Hand-offs of the tests above hold slots until they expire.
    f.clock.advance(30_000)
    const first = await f.service.login({ account: a, password: GOOD }, ip())
    await f.service.redeem(first.handoff!.token, at7)
    const second = await f.service.login({ account: b, password: GOOD }, ip())
    const third = await f.service.login({ account: c, password: GOOD }, ip())
    expect(second.queue?.position).toBe(1)
    expect(third.queue?.position).toBe(2)
    // c keeps polling, b goes silent.
    f.clock.advance(6_000)
    expect(await f.service.queuePoll(third.queue!.ticket)).toEqual({ position: 2 })
    f.clock.advance(4_001)
    expect(await f.service.queuePoll(third.queue!.ticket)).toEqual({ position: 1 })
    expect(await code(f.service.queuePoll(second.queue!.ticket))).toBe('LOGIN_QUEUE_TICKET_UNKNOWN')
    // The online player logs out: c is admitted.
    await f.service.logout(first.sessionToken)
    const admitted = await f.service.queuePoll(third.queue!.ticket)
    expect(admitted.position).toBe(0)
    expect(admitted.handoff?.gatewayServiceId).toBe(7)
    // c's unredeemed hand-off holds the slot: d queues...
    const d = await account('cap-d')
    const fourth = await f.service.login({ account: d, password: GOOD }, ip())
    expect(fourth.queue?.position).toBe(1)
    // ...until c's token expires unused (30 s), d polling meanwhile.
    for (let t = 0; t < 3; t++) {
      f.clock.advance(9_000)
      expect(await f.service.queuePoll(fourth.queue!.ticket)).toEqual({ position: 1 })
    }
    f.clock.advance(3_000)
    expect((await f.service.queuePoll(fourth.queue!.ticket)).handoff).toBeDefined()
    expect(await code(f.service.redeem(admitted.handoff!.token, at7))).toBe('LOGIN_TOKEN_EXPIRED')
  })
})

const quiet = { info() {}, warn() {}, error() {} }

describe('admission while the memory guard is over', () => {
  let f: LoginFixture
  // The guard is sampled by hand here (its timer never runs); the figure is the test's.
  const mem = { rss: 50, heapUsed: 0 }
  const guard = new MemoryGuard({
    scope: 'login#test',
    rssBytes: 100,
    heapBytes: 0,
    sampleMs: 1000,
    timers: new TimerWheel({ clock: new ManualClock() }),
    read: () => mem,
  })
  beforeAll(async () => {
    f = await loginFixture({ admission: { onlineCap: 3, keepAliveMs: 10_000 } }, {}, guard)
  })
  afterAll(() => f?.close())

  it('queues every login, under the cap and already online too, and admits once back under', async () => {
    for (const a of ['mem-a', 'mem-b'])
      await f.service.register({ account: a, password: GOOD, nickname: '' }, { ip: '192.0.2.200' })
    const a1 = await f.service.login({ account: 'mem-a', password: GOOD }, { ip: '192.0.2.201' })
    await f.service.redeem(a1.handoff!.token, at7)
    mem.rss = 100
    expect(guard.sample()).toBe('over')
    // A free slot and nobody waiting: queued all the same.
    const b = await f.service.login({ account: 'mem-b', password: GOOD }, { ip: '192.0.2.202' })
    expect(b.handoff).toBeUndefined()
    expect(b.queue?.position).toBe(1)
    // Online already (a new session would only replace the old one): queued too.
    const a2 = await f.service.login({ account: 'mem-a', password: GOOD }, { ip: '192.0.2.203' })
    expect(a2.queue?.position).toBe(2)
    expect(await f.service.queuePoll(b.queue!.ticket)).toEqual({ position: 1 })
    expect(guard.heldBack).toBe(2)
    // 91 is not under 90% of 100: still over, still held.
    mem.rss = 91
    expect(guard.sample()).toBe('over')
    expect(await f.service.queuePoll(b.queue!.ticket)).toEqual({ position: 1 })
    mem.rss = 89
    expect(guard.sample()).toBe('normal')
    expect((await f.service.queuePoll(b.queue!.ticket)).handoff?.gatewayServiceId).toBe(7)
    expect((await f.service.queuePoll(a2.queue!.ticket)).handoff?.gatewayServiceId).toBe(7)
  })
})

describe('login-storm alert', () => {
  let f: LoginFixture
  beforeAll(async () => {
    f = await loginFixture({ limits: { stormPerMinute: 8 } })
  })
  afterAll(() => f?.close())

  it('raises login-storm once when refused password checks (wrong or throttled) reach the limit in a minute', async () => {
    await f.service.register(
      { account: 'storm-target', password: GOOD, nickname: '' },
      { ip: '198.51.100.1' },
    )
    const refused: string[] = []
    for (let i = 0; i < 7; i++)
      refused.push(
        await code(
          f.service.login({ account: 'storm-target', password: 'nope nope' }, { ip: `198.51.100.${10 + i}` }),
        ),
      )
    // 5 wrong passwords, then the account limit refuses: both kinds count.
    expect(refused).toEqual([
      ...Array(5).fill('LOGIN_BAD_CREDENTIALS'),
      ...Array(2).fill('LOGIN_THROTTLED_ACCOUNT'),
    ])
    expect(f.alerts).toEqual([])
    await code(f.service.login({ account: 'storm-target', password: 'nope nope' }, { ip: '198.51.100.99' }))
    await code(f.service.login({ account: 'storm-target', password: 'nope nope' }, { ip: '198.51.100.98' }))
    expect(f.alerts).toHaveLength(1)
    expect(f.alerts[0]).toMatchObject({ kind: 'login-storm', severity: 'warning' })
    expect(f.alerts[0]!.text).toMatch(/8 refused password checks/)
  })
})
