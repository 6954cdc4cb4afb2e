// Login refuses to start with a plaintext front on a network address: its
// answers carry the gateway hand-off token (and requests the password), so
// without TLS anyone on the path could read the token and race the player
// to the gateway. Loopback binds (a TLS proxy on the same host) stay
// allowed, and so does anything with login.allowPlaintext (local
// development; the run command sets it).
import { describe, expect, it } from 'vitest'
// biome-ignore lint/style/noRestrictedImports: the check itself, beside the processes that run it
import { plaintextFronts } from '../../services/login/src/front/plaintext-fronts.js'
import { startLoginNode } from './support/login-node.js'

describe('plaintextFronts', () => {
  it('names plaintext stacks on network addresses, not TLS ones or loopback binds', () => {
    expect(
      plaintextFronts([
        'http://0.0.0.0:3700',
        'tcp://10.0.0.5:3701',
        'ws://[::]:3702',
        'auto://192.168.1.2:3703',
        'https://0.0.0.0:3704',
        'wss://0.0.0.0:3705',
        'tls://0.0.0.0:3706',
        'auto+tls://0.0.0.0:3707',
        'http://127.0.0.1:3708',
        'tcp://[::1]:3709',
        'ws://localhost:3710',
      ]),
    ).toEqual(['http://0.0.0.0:3700', 'tcp://10.0.0.5:3701', 'ws://[::]:3702', 'auto://192.168.1.2:3703'])
  })
})

describe('login with plaintext fronts on 0.0.0.0 (slow: real processes)', () => {
  const listen = ['http://0.0.0.0:0', 'tcp://0.0.0.0:0']

  it('refuses to start without login.allowPlaintext (LOGIN_PLAINTEXT_FRONT, exit 2, no worker forked)', async () => {
    const err = await startLoginNode({ processes: 1, login: { listen } }).then(
      (n) => n.stop().then(() => null),
      (e: unknown) => e as Error,
    )
    expect(err).toBeInstanceOf(Error)
    expect(err!.message).toMatch(/login exited with 2/)
    expect(err!.message).toMatch(/LOGIN_PLAINTEXT_FRONT/)
    expect(err!.message).toContain('http://0.0.0.0:0, tcp://0.0.0.0:0')
    expect(err!.message).not.toMatch(/worker/)
  }, 90_000)

  it('starts and serves with login.allowPlaintext', async () => {
    const node = await startLoginNode({ processes: 1, login: { listen, allowPlaintext: true } })
    try {
      const port = new URL(node.http).port
      const r = await fetch(`http://127.0.0.1:${port}/v1/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ account: 'plain_dev', password: 'correct horse battery' }),
      })
      expect(r.status).toBe(200)
    } finally {
      await node.stop()
    }
  }, 90_000)
})
