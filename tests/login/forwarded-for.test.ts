// Login behind a reverse proxy: X-Forwarded-For names the client for the
// per-address limits only when the request comes from a configured trusted
// proxy (login.http.trustedProxies). From any other peer the header is
// ignored, so a client cannot dodge the limit by inventing addresses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoginNode, post, startLoginNode } from './support/login-node.js'

const PROXY = '127.0.0.2'
const LIMIT = 3

describe('X-Forwarded-For at login (trusted proxy 127.0.0.2)', () => {
  let node: LoginNode
  let n = 0
  /** A failed login for a fresh account name (so only the per-address limit counts), from `from` with `xff`. */
  const fail = (from: string, xff?: string) =>
    post(
      node.http,
      '/v1/login',
      { account: `nobody_${n++}`, password: 'not the password at all' },
      from,
      xff === undefined ? {} : { 'x-forwarded-for': xff },
    )
  const code = async (p: ReturnType<typeof fail>) => (await p).body.error?.code

  beforeAll(async () => {
    node = await startLoginNode({
      processes: 1,
      login: { http: { trustedProxies: [PROXY] }, limits: { ip: { limit: LIMIT, windowMs: 600_000 } } },
    })
  }, 90_000)
  afterAll(() => node?.stop(), 60_000)

  it('ignores a spoofed header from a peer that is not a trusted proxy', async () => {
    // Each attempt claims another address; all count against the real peer.
    for (let i = 0; i < LIMIT; i++)
      expect(await code(fail('127.0.0.5', `198.51.100.${i + 1}`))).toBe('LOGIN_BAD_CREDENTIALS')
    expect(await code(fail('127.0.0.5', '198.51.100.200'))).toBe('LOGIN_THROTTLED_IP')
    expect(await code(fail('127.0.0.5'))).toBe('LOGIN_THROTTLED_IP')
    // The addresses it named were never charged: through the proxy they are fresh.
    expect(await code(fail(PROXY, '198.51.100.1'))).toBe('LOGIN_BAD_CREDENTIALS')
  })

  it('charges the forwarded client, not the proxy, when the proxy is trusted', async () => {
    for (let i = 0; i < LIMIT; i++)
      expect(await code(fail(PROXY, '203.0.113.7'))).toBe('LOGIN_BAD_CREDENTIALS')
    expect(await code(fail(PROXY, '203.0.113.7'))).toBe('LOGIN_THROTTLED_IP')
    // Another client behind the same proxy is not throttled.
    expect(await code(fail(PROXY, '203.0.113.8'))).toBe('LOGIN_BAD_CREDENTIALS')
    // A client that prepends a fake hop is still the address the proxy saw.
    expect(await code(fail(PROXY, '203.0.113.99, 203.0.113.7'))).toBe('LOGIN_THROTTLED_IP')
    // The proxy itself (no header) is a client like any other.
    expect(await code(fail(PROXY))).toBe('LOGIN_BAD_CREDENTIALS')
    // A malformed hop: the proxy's own address is all that is known.
    expect(await code(fail(PROXY, 'garbage'))).toBe('LOGIN_BAD_CREDENTIALS')
    const log = node.output()
    expect(log).toMatch(/"ip":"203\.0\.113\.7"[^\n]*"msg":"login: throttled"/)
  })
})
