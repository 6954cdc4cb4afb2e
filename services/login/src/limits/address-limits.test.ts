// The per-address limits under concurrency, on the real login parts and
// MariaDB: failures are charged when they happen (a NAT's honest logins in
// flight are not failures), and the in-flight cap bounds what a burst of
// raced guesses can get past the counter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoginFixture, loginFixture } from '../fixtures/login-fixture.js'

const GOOD = 'correct horse battery'
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: { code: string }) => e.code,
  )
const tally = (codes: string[]) =>
  codes.reduce<Record<string, number>>((m, c) => {
    m[c] = (m[c] ?? 0) + 1
    return m
  }, {})

describe('per-address login limits under concurrency (real MariaDB)', () => {
  let f: LoginFixture
  let n = 0
  const names: string[] = []
  beforeAll(async () => {
    f = await loginFixture({ limits: { ipInFlight: 16 } })
    for (let i = 0; i < 16; i++) {
      const name = `nat-${i}`
      await f.service.register({ account: name, password: GOOD, nickname: '' }, { ip: `192.0.2.${++n}` })
      names.push(name)
    }
  }, 60_000)
  afterAll(() => f?.close())

  it('lets 16 players behind one address log in at once (more than the 10 failures the address may have)', async () => {
    const nat = { ip: '203.0.113.10' }
    const codes = await Promise.all(
      names.map((account) => outcome(f.service.login({ account, password: GOOD }, nat))),
    )
    expect(tally(codes)).toEqual({ OK: 16 })
    // None of them was a failure: the address still has its 10.
    for (let i = 0; i < 10; i++)
      expect(await outcome(f.service.login({ account: names[i]!, password: `wrong ${i} pass` }, nat))).toBe(
        'LOGIN_BAD_CREDENTIALS',
      )
    expect(await outcome(f.service.login({ account: names[11]!, password: GOOD }, nat))).toBe(
      'LOGIN_THROTTLED_IP',
    )
  })

  it('caps checks in flight per address: a burst of 40 raced guesses gets 16 checked, the rest refused at once', async () => {
    const attacker = { ip: '203.0.113.66' }
    const codes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        outcome(
          f.service.login({ account: names[i % names.length]!, password: `raced guess ${i}` }, attacker),
        ),
      ),
    )
    expect(tally(codes)).toEqual({ LOGIN_BAD_CREDENTIALS: 16, LOGIN_THROTTLED_IP_IN_FLIGHT: 24 })
    // The 16 failures were charged: the address is throttled now.
    expect(await outcome(f.service.login({ account: names[0]!, password: GOOD }, attacker))).toBe(
      'LOGIN_THROTTLED_IP',
    )
    // Places are given back: another address is untouched, and nothing is left running.
    expect(
      await outcome(f.service.login({ account: names[1]!, password: GOOD }, { ip: '203.0.113.67' })),
    ).toBe('OK')
    expect(f.service.inFlightAddresses).toBe(0)
  })
})
