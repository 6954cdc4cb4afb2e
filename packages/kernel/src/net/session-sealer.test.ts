import { until } from '@tessera/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { cipherSealer, createSessionKeys, generateKeyPair, generateNonce } from '../codec/index.js'
import { type EchoApp, echoApp, RawTcpClient } from './fixtures/net-fixtures.js'
import { FrameFlag } from './frame-header.js'

// A session that seals every frame (seal_all): the net session seals on the
// way out and opens on the way in, with real ciphers on both ends.

let app: EchoApp | undefined
afterEach(async () => {
  await app?.server.close()
  app = undefined
})

function pair(): { server: ReturnType<typeof cipherSealer>; client: ReturnType<typeof cipherSealer> } {
  const s = generateKeyPair()
  const c = generateKeyPair()
  const cn = generateNonce()
  const sn = generateNonce()
  const opts = { keyPair: s, peerPublicKey: c.publicKey, clientNonce: cn, serverNonce: sn }
  return {
    server: cipherSealer(createSessionKeys({ role: 'server', ...opts }).cipher),
    client: cipherSealer(
      createSessionKeys({
        role: 'client',
        keyPair: c,
        peerPublicKey: s.publicKey,
        clientNonce: cn,
        serverNonce: sn,
      }).cipher,
    ),
  }
}

describe('Session with a FrameSealer', () => {
  it('answers a sealed heartbeat sealed, and refuses a plaintext one', async () => {
    app = echoApp({ limits: { acceptRatePerSec: 0 } })
    const l = await app.server.listen('tcp://127.0.0.1:0', 'client')
    const c = await RawTcpClient.open(l.address.port)
    await c.until(() => app!.sessions.length === 1)
    const keys = pair()
    app.sessions[0]!.setSealer(keys.server)
    const hb = keys.client.seal(0, 3, 9, new Uint8Array(0))
    c.send(hb.flags, 3, 9, hb.body)
    expect(await c.until(() => c.frames.length === 1)).toBe(true)
    const f = c.frames[0]!
    expect(f.flags & (FrameFlag.RESPONSE | FrameFlag.ENCRYPTED)).toBe(
      FrameFlag.RESPONSE | FrameFlag.ENCRYPTED,
    )
    expect(keys.client.open(f.flags, f.msgId, f.reqId, f.body)).toHaveLength(0)
    c.send(0, 3, 10, '')
    await c.closedPromise
    expect(app.sessions[0]!.closeReason?.code).toBe('CODEC_PLAINTEXT_REFUSED')
  })

  it('keeps sealed frames in sealing order: a priority frame does not overtake a backlog wider than the replay window', async () => {
    const big = 64 * 1024 * 1024
    app = echoApp({
      limits: { acceptRatePerSec: 0, client: { outboundSoftBytes: big, outboundHardBytes: big } },
    })
    const l = await app.server.listen('tcp://127.0.0.1:0', 'client')
    const c = await RawTcpClient.open(l.address.port)
    // A reader that stops: the kernel buffers fill, then the session's lanes.
    c.socket.pause()
    await until(() => app!.sessions.length === 1, 5000, 'session')
    const s = app.sessions[0]!
    const keys = pair()
    s.setSealer(keys.server)
    const body = new Uint8Array(32 * 1024).fill(1)
    let n = 0
    for (; n < 1500 && s.outboundBytes - s.conn.bufferedBytes() < 4 * 1024 * 1024; n++)
      s.send(0, 1000, n + 1, body)
    expect(s.outboundBytes - s.conn.bufferedBytes()).toBeGreaterThan(40 * body.length) // frames wait in the lanes
    s.sendControl(4, new Uint8Array([8, 100]))
    c.socket.resume()
    expect(await c.until(() => c.frames.length === n + 1, 30_000)).toBe(true)
    // Every frame opens in arrival order (none is older than the 32-frame window).
    for (const f of c.frames) keys.client.open(f.flags, f.msgId, f.reqId, f.body)
    expect(c.frames.at(-1)!.msgId).toBe(4)
    c.close()
  })
})
