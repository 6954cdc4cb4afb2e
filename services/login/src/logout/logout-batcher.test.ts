import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { at7, code, GOOD, type LoginFixture, loginFixture } from '../fixtures/login-fixture.js'

describe('logouts in batches (real MariaDB)', () => {
  let f: LoginFixture
  let n = 0
  /** A player logged in (and, with `online`, at gateway 7). */
  const player = async (online = true) => {
    const account = `out-${++n}`
    const from = { ip: `192.0.2.${n}` }
    await f.service.register({ account, password: GOOD, nickname: '' }, from)
    const r = await f.service.login({ account, password: GOOD }, from)
    if (online) await f.service.redeem(r.handoff!.token, at7)
    return r
  }
  beforeAll(async () => {
    // A small batch: a burst spans several; a short queue: its cap is reached.
    f = await loginFixture({ logout: { maxBatch: 2, maxQueued: 6 } })
  })
  afterAll(() => f?.close())

  it('ends a burst of logouts together: every session ends, every online player is kicked with its new epoch', async () => {
    const ps = await Promise.all([player(), player(), player(false), player(), player(false)])
    const kicks = f.kicks.length
    // All in the same turn: one batch after the other, 2 at a time.
    expect(await Promise.all(ps.map((p) => code(f.service.logout(p.sessionToken))))).toEqual(
      ps.map(() => 'OK'),
    )
    const kicked = f.kicks.slice(kicks)
    expect(kicked.map((k) => k.userId).sort()).toEqual([ps[0]!.userId, ps[1]!.userId, ps[3]!.userId].sort())
    for (const k of kicked) {
      expect(k).toMatchObject({ gatewayServiceId: 7, reason: 'logout' })
      const [row] = await f.db.rows('SELECT login_epoch FROM accounts WHERE user_id = ?', [k.userId])
      expect(k.loginEpoch).toBe(BigInt(row!.login_epoch))
    }
    // Ended everywhere: the sessions, the online rows, the hand-offs of that epoch.
    for (const p of ps)
      expect(await code(f.service.changeNickname({ sessionToken: p.sessionToken, nickname: 'x' }))).toBe(
        'LOGIN_BAD_SESSION',
      )
    const ids = ps.map((p) => p.userId)
    const [online] = await f.db.rows(
      `SELECT COUNT(*) AS n FROM online_sessions WHERE user_id IN (${ids.map(() => '?').join(',')})`,
      ids,
    )
    expect(Number(online!.n)).toBe(0)
  })

  it('refuses, as one after the other would, a token repeated within a batch and tokens that end nothing', async () => {
    const p = await player()
    const results = await Promise.all([
      code(f.service.logout(p.sessionToken)),
      code(f.service.logout(p.sessionToken)),
    ])
    expect(results).toEqual(['OK', 'LOGIN_BAD_SESSION'])
    // A batch of refusals only (no transaction to run).
    expect(
      await Promise.all([code(f.service.logout(p.sessionToken)), code(f.service.logout('no-such-token'))]),
    ).toEqual(['LOGIN_BAD_SESSION', 'LOGIN_BAD_SESSION'])
  })

  it('past maxQueued waiting logouts, refuses with LOGIN_LOGOUT_BUSY (retry shortly); the waiting ones end', async () => {
    const ps = await Promise.all(Array.from({ length: 7 }, () => player()))
    const results = await Promise.all(ps.map((p) => code(f.service.logout(p.sessionToken))))
    expect(results).toEqual([...ps.slice(0, 6).map(() => 'OK'), 'LOGIN_LOGOUT_BUSY'])
    // Refused before anything happened: its session is intact, and the retry goes through.
    expect(await code(f.service.logout(ps[6]!.sessionToken))).toBe('OK')
  })
})
