import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoginFixture, loginFixture } from '../fixtures/login-fixture.js'

const at7 = { serviceId: 7, startedAtMs: 1n, group: '' }
const at8 = { serviceId: 8, startedAtMs: 1n, group: '' }
const entry = (userId: bigint, loginEpoch: bigint) => ({ userId, loginEpoch })

describe('OnlineSessions reports (real MariaDB)', () => {
  let f: LoginFixture
  beforeAll(async () => {
    f = await loginFixture()
  })
  afterAll(() => f?.close())
  const rows = async () =>
    (
      await f.db.rows('SELECT user_id, gateway_service_id, login_epoch FROM online_sessions ORDER BY user_id')
    ).map((r) => ({ user: Number(r.user_id), gateway: r.gateway_service_id, epoch: Number(r.login_epoch) }))

  it('an offline list removes only its gateway’s rows of a login epoch not newer than reported', async () => {
    const now = f.clock.now()
    await f.online.report(at7, [entry(1n, 3n), entry(2n, 3n), entry(3n, 5n)], [], false, now)
    await f.online.report(at8, [entry(4n, 1n)], [], false, now)
    // 3 logged in again since (epoch 5 > 4); 4 is at gateway 8; 9 is nowhere.
    const left = await f.online.report(
      at7,
      [],
      [entry(1n, 3n), entry(2n, 4n), entry(3n, 4n), entry(4n, 9n), entry(9n, 1n)],
      false,
      now,
    )
    expect(left).toBe(1)
    expect(await rows()).toEqual([
      { user: 3, gateway: 7, epoch: 5 },
      { user: 4, gateway: 8, epoch: 1 },
    ])
  })

  it('takes a list longer than one statement’s chunk', async () => {
    const now = f.clock.now()
    const many = Array.from({ length: 501 }, (_, i) => entry(BigInt(10_000 + i), 1n))
    await f.online.report(at7, many, [], false, now)
    expect(await f.online.report(at7, [], many, false, now)).toBe(1)
    expect((await rows()).map((r) => r.user)).toEqual([3, 4])
  })
})
