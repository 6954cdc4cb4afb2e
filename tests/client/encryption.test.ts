import { ClientKeyExchange } from '@tessera/client'
import { createSessionCipher, frameAad, generateKeyPair, generateNonce, ManualClock } from '@tessera/kernel'
import { ChatPush, ChatSend, ChatSendRes, Echo } from '@tessera/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { clientFor, until } from '../support/clients.js'
import { killConnections, startTestServer, type TestServer } from '../support/edge-server.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('WebCrypto client cipher ↔ kernel cipher', () => {
  it('agrees on keys and opens each other’s frames across key epochs, both directions', async () => {
    const clock = new ManualClock()
    const kx = await ClientKeyExchange.create()
    const serverPair = generateKeyPair()
    const serverNonce = generateNonce()
    const server = createSessionCipher({
      role: 'server',
      keyPair: serverPair,
      peerPublicKey: kx.publicKey,
      clientNonce: kx.nonce,
      serverNonce,
      options: { rotateMs: 1000, clock },
    })
    // The client rotates every 30 ms of real time; the server every 1000 ms of manual time.
    const client = await kx.cipher(serverPair.publicKey, serverNonce, 30)
    const enc = new TextEncoder()
    for (let i = 0; i < 12; i++) {
      const aad = frameAad(0x02, 1000 + i, i)
      const text = enc.encode(`client frame ${i} `.repeat(i + 1))
      const sealed = await client.seal(aad, text)
      expect(sealed.length).toBe(text.length + 25)
      expect(new Uint8Array(server.open(aad, sealed))).toEqual(text)
      const back = enc.encode(`server frame ${i}`)
      const aad2 = frameAad(0x06, 1000 + i, i)
      expect(await client.open(aad2, server.seal(aad2, back))).toEqual(back)
      clock.advance(1000)
      await sleep(35)
    }
    expect(client.sendEpoch).toBeGreaterThanOrEqual(10)
    expect(server.recvEpoch).toBe(client.sendEpoch)
    expect(server.sendEpoch).toBe(11)
    expect(client.recvEpoch).toBe(11)
  })

  it('rejects a frame whose header was altered (AAD) or body tampered', async () => {
    const kx = await ClientKeyExchange.create()
    const pair = generateKeyPair()
    const nonce = generateNonce()
    const server = createSessionCipher({
      role: 'server',
      keyPair: pair,
      peerPublicKey: kx.publicKey,
      clientNonce: kx.nonce,
      serverNonce: nonce,
    })
    const client = await kx.cipher(pair.publicKey, nonce, 60_000)
    const sealed = await client.seal(frameAad(2, 1000, 1), new Uint8Array([1, 2, 3]))
    expect(() => server.open(frameAad(2, 1001, 1), sealed)).toThrow(/authentication failed/)
    const bad = sealed.slice()
    bad[bad.length - 1]! ^= 1
    expect(() => server.open(frameAad(2, 1000, 1), bad)).toThrow(/authentication failed/)
  })
})

describe('encrypted session end to end', () => {
  let srv: TestServer | null = null
  afterEach(async () => {
    await srv?.close()
    srv = null
  })

  it('rotates keys during traffic (and across a resume) without losing a message', async () => {
    // The codec's smallest time-based epoch is 1 s; 4 frames per epoch makes
    // the server→client direction rotate every few ms of traffic as well.
    srv = await startTestServer({
      encryption: 'required',
      keyRotateMs: 1000,
      maxFramesPerEpoch: 4,
      compression: { threshold: 64 },
    })
    const c = clientFor(srv, 'ws', { encryption: true })
    await c.connect()
    const pushes: number[] = []
    c.onPush(ChatPush, (m) => pushes.push(Number(m.messageId)))
    const total = 600
    await c.request(ChatSend, { channel: 'e', text: `${total} 4` }, { response: ChatSendRes })
    const big = 'x'.repeat(2000)
    let sent = 0
    const answers: Promise<string>[] = []
    const until1 = Date.now() + 2300
    while (Date.now() < until1) {
      const text = `${sent++}:${big}`
      answers.push(c.request(Echo, { text }).then((m) => m.text))
      await sleep(20)
    }
    const epochs = c.keyEpochs
    expect(epochs).not.toBeNull()
    expect(epochs!.send).toBeGreaterThanOrEqual(2)
    expect(epochs!.recv).toBeGreaterThanOrEqual(20)
    killConnections(srv.net)
    await until(() => c.state === 'open', 5000, 'resume')
    for (let i = 0; i < 20; i++)
      answers.push(c.request(Echo, { text: `${sent++}:${big}` }).then((m) => m.text))
    const got = await Promise.all(answers)
    expect(got.map((t) => Number(t.split(':')[0]))).toEqual(Array.from({ length: sent }, (_, i) => i))
    await until(() => pushes.length >= total, 10_000, 'all pushes')
    expect(pushes).toEqual(Array.from({ length: total }, (_, i) => i + 1))
    for (let i = 0; i < sent; i++) expect(srv.echoes.get(`${i}:${big}`)).toBe(1)
    await c.close()
  })
})
