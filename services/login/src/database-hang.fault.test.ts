// Login's database hangs (a private MariaDB under SIGSTOP: its port accepts,
// nothing answers). Register, log in and log out (a transaction) must fail
// with LOGIN_UNAVAILABLE within login.database.deadlineMs — not wait for
// the statement timeouts (3 × 15 s) or, in a transaction, for ever — and
// work again as soon as the server resumes. Slow suite (a private server).
import { PrivateMariadb } from '@tessera/storage/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoginFixture, loginFixture } from './fixtures/login-fixture.js'

const GOOD = 'correct horse battery'
const ip = { ip: '192.0.2.7' }
const at7 = { serviceId: 7, startedAtMs: 1n }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The call's error code, or a marker when it is still waiting after `ms`. */
async function outcome(p: Promise<unknown>, ms = 20_000): Promise<string> {
  return Promise.race([
    p.then(
      () => 'OK',
      (e: { code?: string }) => e.code ?? String(e),
    ),
    sleep(ms).then(() => `still waiting after ${ms} ms`),
  ])
}

let server: PrivateMariadb
let f: LoginFixture
beforeAll(async () => {
  server = await PrivateMariadb.create()
  f = await loginFixture({}, { url: server.url, deadlineMs: 1000 })
}, 120_000)
afterAll(async () => {
  server?.resume()
  await f?.close()
  await server?.destroy()
})

describe('login with its database hung (SIGSTOP)', () => {
  it('refuses register, login and logout with LOGIN_UNAVAILABLE by the deadline, then recovers', {
    timeout: 180_000,
  }, async () => {
    await f.service.register({ account: 'hang-a', password: GOOD, nickname: '' }, ip)
    const before = await f.service.login({ account: 'hang-a', password: GOOD }, ip)
    server.pause()
    try {
      // A gateway's redeem is a transaction on one pooled connection from
      // its first statement: with no deadline of its own it would wait for
      // the server for ever.
      expect(await outcome(f.service.redeem(before.handoff!.token, at7))).toBe('LOGIN_UNAVAILABLE')
      expect(await outcome(f.service.login({ account: 'hang-a', password: GOOD }, ip))).toBe(
        'LOGIN_UNAVAILABLE',
      )
      expect(await outcome(f.service.register({ account: 'hang-b', password: GOOD, nickname: '' }, ip))).toBe(
        'LOGIN_UNAVAILABLE',
      )
      expect(await outcome(f.service.logout(before.sessionToken))).toBe('LOGIN_UNAVAILABLE')
    } finally {
      server.resume()
    }
    // Back: everything works, nothing was half-done by the refused calls.
    expect(
      await outcome(f.service.register({ account: 'hang-b', password: GOOD, nickname: '' }, ip), 60_000),
    ).toBe('OK')
    // The refused redeem was rolled back with its connection: the token still works, once.
    expect(await outcome(f.service.redeem(before.handoff!.token, at7), 60_000)).toBe('OK')
    const after = await f.service.login({ account: 'hang-a', password: GOOD }, ip)
    expect(await outcome(f.service.logout(after.sessionToken), 60_000)).toBe('OK')
  })
})
