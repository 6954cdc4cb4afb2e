// The login HTTP API against a real login node (2 worker processes sharing
// one port, real MariaDB, real center and gateway members): validation codes,
// the brute-force limits per account and per address shared by both
// processes, the hand-off, logout and the account changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoginNode, post, startLoginNode } from './support/login-node.js'

const GOOD = 'correct horse battery'

describe('login over HTTP, 2 processes', () => {
  let node: LoginNode
  const api = (route: string, body: unknown, from?: string) => post(node.http, route, body, from)
  const register = (account: string, password = GOOD, nickname = '') =>
    api('/v1/register', { account, password, nickname })
  const login = (account: string, password = GOOD, from?: string) =>
    api('/v1/login', { account, password }, from)

  beforeAll(async () => {
    node = await startLoginNode({ processes: 2 })
  }, 90_000)
  afterAll(() => node?.stop(), 60_000)

  it('runs two worker processes on one port', () => {
    expect(new Set(node.workers).size).toBe(2)
  })

  it('registers, answering each broken rule with its own code and status', async () => {
    const ok = await register('Dave', GOOD, 'Dávid')
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ account: 'dave', nickname: 'Dávid' })
    expect(ok.body.userId).toMatch(/^\d+$/)
    const cases: [unknown, string][] = [
      [{ account: 'DAVE', password: GOOD }, 'LOGIN_ACCOUNT_TAKEN'],
      [{ account: 'ab', password: GOOD }, 'LOGIN_ACCOUNT_TOO_SHORT'],
      [{ account: 'a'.repeat(33), password: GOOD }, 'LOGIN_ACCOUNT_TOO_LONG'],
      [{ account: 'da ve', password: GOOD }, 'LOGIN_ACCOUNT_BAD_CHARS'],
      [{ account: 'erin', password: GOOD, nickname: 'x'.repeat(25) }, 'LOGIN_NICKNAME_TOO_LONG'],
      [{ account: 'erin', password: GOOD, nickname: 'a\u202eb' }, 'LOGIN_NICKNAME_BAD_CHARS'],
      [{ account: 'erin', password: 'short' }, 'LOGIN_PASSWORD_TOO_SHORT'],
      [{ account: 'erin', password: 'p'.repeat(129) }, 'LOGIN_PASSWORD_TOO_LONG'],
      [{ account: 'erin', password: 'football' }, 'LOGIN_PASSWORD_COMMON'],
      [{ account: 'erin', password: 'erin is great' }, 'LOGIN_PASSWORD_CONTEXT'],
      [{ account: 42, password: GOOD }, 'LOGIN_BAD_FIELD'],
    ]
    for (const [body, code] of cases) {
      const r = await api('/v1/register', body)
      expect(r.body.error?.code, JSON.stringify(body)).toBe(code)
      expect(r.status).toBe(code === 'LOGIN_ACCOUNT_TAKEN' ? 409 : 400)
    }
  })

  it('refuses malformed requests with their own codes', async () => {
    const { request } = await import('node:http')
    const raw = (body: string, type = 'application/json') =>
      new Promise<{ status: number; code: string }>((resolve, reject) => {
        const u = new URL('/v1/login', node.http)
        const req = request(
          {
            host: u.hostname,
            port: u.port,
            path: u.pathname,
            method: 'POST',
            agent: false,
            headers: { 'content-type': type },
          },
          (res) => {
            let d = ''
            res.setEncoding('utf8').on('data', (c: string) => (d += c))
            res.on('end', () => resolve({ status: res.statusCode!, code: JSON.parse(d).error.code }))
          },
        )
        req.on('error', reject)
        req.end(body)
      })
    expect(await raw('{nope')).toEqual({ status: 400, code: 'LOGIN_HTTP_BAD_JSON' })
    expect(await raw('[]')).toEqual({ status: 400, code: 'LOGIN_HTTP_BAD_JSON' })
    expect(await raw('{}', 'text/plain')).toEqual({ status: 415, code: 'LOGIN_HTTP_BAD_CONTENT_TYPE' })
    expect(await raw(JSON.stringify({ account: 'x'.repeat(10_000) }))).toEqual({
      status: 413,
      code: 'LOGIN_HTTP_BODY_TOO_LARGE',
    })
  })

  it('logs in with a hand-off the gateway redeems once; unknown accounts and wrong passwords look the same', async () => {
    await register('frank')
    const r = await login('FRANK')
    expect(r.status).toBe(200)
    const h = r.body.handoff as { token: string; gatewayServiceId: number; tcp: string[]; ws: string[] }
    expect(h.gatewayServiceId).toBe(7)
    expect(h.tcp).toEqual(['tcp://127.0.0.1:41007'])
    const gw = node.gateways[0]!
    const redeemed = await gw.redeem(h.token)
    expect(redeemed.account).toBe('frank')
    await expect(gw.redeem(h.token)).rejects.toMatchObject({ code: 'LOGIN_TOKEN_USED' })
    const wrong = await login('frank', 'wrong password!', '127.0.0.50')
    const unknown = await login('nobody-here', GOOD, '127.0.0.51')
    expect(wrong).toEqual(unknown)
    expect(wrong.status).toBe(401)
    expect(wrong.body.error?.code).toBe('LOGIN_BAD_CREDENTIALS')
  })

  it('throttles a wrong-password storm on one account (from many addresses); other accounts are unaffected', async () => {
    await register('victim')
    await register('bystander')
    // 5 failures per minute per account, each from another address (so the per-address limit stays out of it).
    for (let i = 0; i < 5; i++) {
      const r = await login('victim', `wrong password ${i}`, `127.0.1.${i + 1}`)
      expect(r.body.error?.code).toBe('LOGIN_BAD_CREDENTIALS')
    }
    const sixth = await login('victim', 'wrong password 6', '127.0.1.6')
    expect(sixth.status).toBe(429)
    expect(sixth.body.error?.code).toBe('LOGIN_THROTTLED_ACCOUNT')
    expect(sixth.body.error).toMatchObject({ retryAfterMs: expect.any(Number) })
    // Throttled means throttled: the right password waits too (no oracle for the attacker).
    expect((await login('victim', GOOD, '127.0.1.7')).body.error?.code).toBe('LOGIN_THROTTLED_ACCOUNT')
    // Another player, even from an address the storm used, logs in.
    const other = await login('bystander', GOOD, '127.0.1.1')
    expect(other.status).toBe(200)
    expect(other.body.handoff).toBeDefined()
  })

  it('throttles a wrong-password storm from one address across accounts; other addresses are unaffected', async () => {
    const names = ['ip-a', 'ip-b', 'ip-c', 'ip-d']
    for (const n of names) await register(n)
    const attacker = '127.0.2.1'
    // 10 failures per 10 minutes per address, spread over accounts (none reaches its own limit of 5).
    for (let i = 0; i < 10; i++) {
      const r = await login(names[i % names.length]!, `wrong ${i} guess`, attacker)
      expect(r.body.error?.code, `attempt ${i}`).toBe('LOGIN_BAD_CREDENTIALS')
    }
    const next = await login('ip-a', 'wrong again!!', attacker)
    expect(next.status).toBe(429)
    expect(next.body.error?.code).toBe('LOGIN_THROTTLED_IP')
    expect((await login('ip-b', GOOD, attacker)).body.error?.code).toBe('LOGIN_THROTTLED_IP')
    // The owners, from their own addresses, are not locked out.
    for (const n of names) expect((await login(n, GOOD, '127.0.2.2')).status, n).toBe(200)
  })

  it('changes nickname and password with the session token; logout ends the session and kicks at the gateway', async () => {
    await register('grace')
    const first = await login('grace')
    const session = first.body.sessionToken as string
    const gw = node.gateways[0]!
    const h = first.body.handoff as { token: string }
    const online = await gw.redeem(h.token)
    const nick = await api('/v1/nickname', { sessionToken: session, nickname: '  Grace\u0301 ' })
    expect(nick.body).toEqual({ nickname: 'Grace\u0301'.normalize('NFC') })
    expect((await api('/v1/nickname', { sessionToken: session, nickname: '' })).body.error?.code).toBe(
      'LOGIN_NICKNAME_TOO_SHORT',
    )
    const wrongCurrent = await api('/v1/password', {
      sessionToken: session,
      currentPassword: 'not the password',
      newPassword: 'a brand new phrase',
    })
    expect(wrongCurrent.body.error?.code).toBe('LOGIN_BAD_CREDENTIALS')
    const changed = await api('/v1/password', {
      sessionToken: session,
      currentPassword: GOOD,
      newPassword: 'a brand new phrase',
    })
    expect(changed.status).toBe(200)
    const session2 = changed.body.sessionToken as string
    // The old session token ended with the change.
    expect((await api('/v1/logout', { sessionToken: session })).body.error?.code).toBe('LOGIN_BAD_SESSION')
    expect((await login('grace')).body.error?.code).toBe('LOGIN_BAD_CREDENTIALS')
    expect((await login('grace', 'a brand new phrase')).status).toBe(200)
    // That login replaced session2 too (one session per account).
    expect((await api('/v1/logout', { sessionToken: session2 })).body.error?.code).toBe('LOGIN_BAD_SESSION')
    const third = await login('grace', 'a brand new phrase')
    const bye = await api('/v1/logout', { sessionToken: third.body.sessionToken })
    expect(bye.status).toBe(200)
    await expect.poll(() => gw.kicks.filter((k) => k.userId === online.userId).length).toBeGreaterThan(0)
    const token = (third.body.handoff as { token: string }).token
    await expect(gw.redeem(token)).rejects.toMatchObject({ code: 'LOGIN_TOKEN_SUPERSEDED' })
  })
})
