import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  LoginTokenExpired,
  LoginTokenSuperseded,
  LoginTokenUnknown,
  LoginTokenUsed,
  LoginTokenWrongGateway,
} from '../errors.js'
import { type LoginFixture, loginFixture } from '../fixtures/login-fixture.js'

const at7 = { serviceId: 7, startedAtMs: 1n }
const ip = { ip: '198.51.100.1' }

describe('hand-off tokens (real MariaDB)', () => {
  let f: LoginFixture
  beforeAll(async () => {
    f = await loginFixture()
    await f.service.register({ account: 'Alice', password: 'correct horse battery', nickname: '' }, ip)
    await f.service.register({ account: 'bob', password: 'correct horse battery', nickname: 'Bob' }, ip)
  })
  afterAll(() => f?.close())

  async function login(account = 'alice') {
    const r = await f.service.login({ account, password: 'correct horse battery' }, ip)
    if (!r.handoff) throw new Error('expected a hand-off')
    return r
  }

  it('is opaque, >= 128 bits, for the least loaded gateway, with its addresses per stack', async () => {
    f.gateways.push({ ...f.gateways[0]!, serviceId: 8, load: 50 })
    const r = await login()
    f.gateways.pop()
    expect(r.handoff!.token).toMatch(/^[A-Za-z0-9_-]{43}$/) // 256 bits, base64url
    expect(r.handoff!.gatewayServiceId).toBe(7)
    expect(r.handoff!.expiresAtMs).toBe(BigInt(f.clock.now() + 30_000))
    expect(r.handoff!.tcp).toEqual(['tcp://127.0.0.1:40007'])
    expect(r.handoff!.ws).toEqual(['ws://127.0.0.1:40007/ws'])
  })

  it('redeems once at its gateway with the user, nickname and login epoch', async () => {
    const r = await login()
    const got = await f.service.redeem(r.handoff!.token, at7)
    expect(got).toMatchObject({ userId: r.userId, account: 'alice', nickname: 'Alice' })
    expect(got.loginEpoch).toBeGreaterThan(0n)
    const replay = await f.service.redeem(r.handoff!.token, at7).catch((e) => e)
    expect(LoginTokenUsed.is(replay)).toBe(true)
  })

  it('of two racing redeems from two login processes exactly one wins', async () => {
    const other = await f.another()
    const r = await login()
    const results = await Promise.allSettled([
      f.service.redeem(r.handoff!.token, at7),
      other.service.redeem(r.handoff!.token, at7),
    ])
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1)
    const lost = results.find((x) => x.status === 'rejected') as PromiseRejectedResult
    expect(LoginTokenUsed.is(lost.reason)).toBe(true)
  })

  it('refuses another gateway, and stays redeemable at its own', async () => {
    const r = await login()
    const wrong = await f.service.redeem(r.handoff!.token, { serviceId: 8, startedAtMs: 1n }).catch((e) => e)
    expect(LoginTokenWrongGateway.is(wrong)).toBe(true)
    await expect(f.service.redeem(r.handoff!.token, at7)).resolves.toMatchObject({ account: 'alice' })
  })

  it('refuses an expired token (30 s default)', async () => {
    const r = await login()
    f.clock.advance(30_000)
    const late = await f.service.redeem(r.handoff!.token, at7).catch((e) => e)
    expect(LoginTokenExpired.is(late)).toBe(true)
  })

  it('accepts a token just before expiry', async () => {
    const r = await login()
    f.clock.advance(29_999)
    await expect(f.service.redeem(r.handoff!.token, at7)).resolves.toMatchObject({ account: 'alice' })
  })

  it('refuses a token superseded by a later login of the account', async () => {
    const first = await login('bob')
    const second = await login('bob')
    const old = await f.service.redeem(first.handoff!.token, at7).catch((e) => e)
    expect(LoginTokenSuperseded.is(old)).toBe(true)
    await expect(f.service.redeem(second.handoff!.token, at7)).resolves.toMatchObject({ account: 'bob' })
  })

  it('refuses unknown and malformed tokens', async () => {
    for (const t of ['', 'x', 'A'.repeat(43), '\u0000'.repeat(5000)]) {
      const e = await f.service.redeem(t, at7).catch((x) => x)
      expect(LoginTokenUnknown.is(e)).toBe(true)
    }
  })
})
