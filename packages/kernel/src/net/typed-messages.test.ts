import { Echo } from '@tessera/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { Dispatcher } from './dispatcher.js'
import { RawTcpClient, RawWsClient, rawFrame, sleep, tcpFrame } from './fixtures/net-fixtures.js'
import { FrameFlag, InboundFrame } from './frame-header.js'
import { NetServer, type NetServerOptions } from './net-server.js'
import type { Session } from './session.js'
import { SLAB_FRAME_MAX } from './tcp/out-slab.js'

// Session.replyMessage / pushMessage / sendMessage encode straight into the
// outbound frame; InboundFrame.decode reads the body in place. The bytes on
// the wire must be exactly what Echo.encode() gives, whatever path the frame
// takes (batched in a read, written at once, or queued in the lanes).

const ECHO = Echo.msgId

let server: NetServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function start(stack: 'tcp' | 'ws', opts: Partial<NetServerOptions> = {}) {
  const sessions: Session[] = []
  const d = new Dispatcher({ onOpen: (s) => sessions.push(s) }).on(ECHO, (s, f) => {
    const m = f.decode(Echo)
    s.replyMessage(f, Echo, { ...m, seq: m.seq + 1 })
  })
  server = new NetServer({ handler: d, limits: { client: { msgRatePerSec: 0 } }, ...opts })
  const port = (await server.listen(`${stack}://127.0.0.1:0`, 'client')).address.port
  return { port, sessions }
}

const req = (seq: number, text = 'hi') =>
  Echo.encode(Echo.create({ text, payload: new Uint8Array([1, 2, 3]), seq, sentAtMs: 1234567890123n }))

describe('typed session messages', () => {
  it('decodes in place and replies with exactly the bytes Echo.encode gives (TCP, several per read)', async () => {
    const { port } = await start('tcp')
    const c = await RawTcpClient.open(port)
    c.write(Buffer.concat([1, 2, 3].map((i) => tcpFrame(0, ECHO, i, req(i * 10)))))
    await c.until(() => c.frames.length === 3)
    for (const [k, f] of c.frames.entries()) {
      expect(f.flags).toBe(FrameFlag.RESPONSE)
      expect(f.reqId).toBe(k + 1)
      const want = Echo.encode(
        Echo.create({
          text: 'hi',
          payload: new Uint8Array([1, 2, 3]),
          seq: (k + 1) * 10 + 1,
          sentAtMs: 1234567890123n,
        }),
      )
      expect(Buffer.from(f.body).equals(Buffer.from(want))).toBe(true)
    }
    c.close()
  })

  it('does the same over WebSocket', async () => {
    const { port } = await start('ws')
    const c = await RawWsClient.open(`ws://127.0.0.1:${port}/`)
    c.send(0, ECHO, 7, req(41, 'über'))
    await c.until(() => c.frames.length === 1)
    expect(Echo.decode(c.frames[0]!.body)).toMatchObject({ text: 'über', seq: 42, sentAtMs: 1234567890123n })
    c.close()
  })

  it('answers a body that does not parse with an error reply and keeps serving', async () => {
    const { port } = await start('tcp')
    const c = await RawTcpClient.open(port)
    // Field 2 (bytes) claims 50 bytes; the frame has 2.
    c.send(0, ECHO, 1, Buffer.from([0x12, 50, 1, 2]))
    c.send(0, ECHO, 2, req(1))
    await c.until(() => c.frames.length === 2)
    expect(c.frames[0]!.flags & FrameFlag.ERROR).toBe(FrameFlag.ERROR)
    expect(Echo.decode(c.frames[1]!.body).seq).toBe(2)
    c.close()
  })

  it('encodes a typed push correctly when it has to wait in the outbound lanes', async () => {
    const { port, sessions } = await start('tcp', {
      limits: {
        writeHighWaterBytes: 16 * 1024,
        client: { msgRatePerSec: 0, outboundHardBytes: 64 * 1024 * 1024 },
      },
    })
    const c = await RawTcpClient.open(port)
    c.socket.pause()
    while (sessions.length === 0) await sleep(5)
    const s = sessions[0]!
    const filler = new Uint8Array(16 * 1024)
    let n = 0
    while (s.outboundBytes < 512 * 1024 && n < 5000) {
      s.push(ECHO + 1, filler)
      n++
      if (n % 50 === 0) await sleep(1)
    }
    const m = Echo.create({ text: 'queued', seq: 9, payload: new Uint8Array(300).fill(5) })
    expect(s.pushMessage(Echo, m)).toBe(true)
    c.socket.resume()
    await c.until(() => c.frames.length === n + 1, 20_000)
    const last = c.frames[n]!
    expect(last.msgId).toBe(ECHO)
    expect(last.reqId).toBe(0)
    expect(Buffer.from(last.body).equals(Buffer.from(Echo.encode(m)))).toBe(true)
    c.close()
  })
})

describe('typed messages written straight into the TCP batch', () => {
  it('fills and renews the slab across many replies of one read, and falls back for big ones', async () => {
    const sessions: Session[] = []
    const d = new Dispatcher({ onOpen: (s) => sessions.push(s) }).on(ECHO, (s, f) => {
      const m = f.decode(Echo)
      // seq 1000+: a reply too big for the slab path (encoded on the side instead).
      const payload = m.seq >= 1000 ? new Uint8Array(SLAB_FRAME_MAX + 100).fill(3) : m.payload
      s.replyMessage(f, Echo, { ...m, payload })
    })
    server = new NetServer({ handler: d, limits: { client: { msgRatePerSec: 0, maxFrameBytes: 1 << 20 } } })
    const port = (await server.listen('tcp://127.0.0.1:0', 'client')).address.port
    const c = await RawTcpClient.open(port)
    const n = 300
    const body = (i: number) =>
      Echo.encode(Echo.create({ seq: i === 150 ? 1000 : i, payload: new Uint8Array(900).fill(i & 0xff) }))
    c.write(Buffer.concat(Array.from({ length: n }, (_, i) => tcpFrame(0, ECHO, i + 1, body(i)))))
    await c.until(() => c.frames.length === n, 10_000)
    expect(c.frames.length).toBe(n)
    for (let i = 0; i < n; i++) {
      const f = c.frames[i]!
      expect(f.reqId).toBe(i + 1)
      const m = Echo.decode(f.body)
      if (i === 150) {
        expect(m.payload.length).toBe(SLAB_FRAME_MAX + 100)
        expect(m.payload.every((b) => b === 3)).toBe(true)
      } else {
        expect(m.seq).toBe(i)
        expect(m.payload.length).toBe(900)
        expect(m.payload.every((b) => b === (i & 0xff))).toBe(true)
      }
    }
    c.close()
  })

  it('a typed reply past the hard outbound cap closes the session with NET_OUTBOUND_OVERFLOW', async () => {
    const sessions: Session[] = []
    const d = new Dispatcher({ onOpen: (s) => sessions.push(s) }).on(ECHO, (s, f) => {
      s.replyMessage(f, Echo, Echo.create({ payload: new Uint8Array(30_000) }))
    })
    server = new NetServer({
      handler: d,
      limits: { client: { msgRatePerSec: 0, outboundSoftBytes: 8192, outboundHardBytes: 20_000 } },
    })
    const port = (await server.listen('tcp://127.0.0.1:0', 'client')).address.port
    const c = await RawTcpClient.open(port)
    c.send(0, ECHO, 1, req(1))
    await c.closedPromise
    expect(c.frames).toEqual([])
    expect(sessions[0]!.closeReason?.code).toBe('NET_OUTBOUND_OVERFLOW')
  })
})

describe('InboundFrame', () => {
  it('makes the body view only when asked and reads the range it was given', () => {
    const bytes = Buffer.concat([Buffer.from([9, 9, 9]), rawFrame(0, ECHO, 5, req(3)), Buffer.from([9, 9])])
    const f = new InboundFrame(0, ECHO, 5, bytes, 3 + 10, bytes.length - 2)
    expect(f.decode(Echo).seq).toBe(3)
    expect(Buffer.from(f.body).equals(Buffer.from(req(3)))).toBe(true)
    expect(f.body).toBe(f.body)
  })

  it('never decodes past its end, even when the buffer goes on', () => {
    const body = req(3)
    const bytes = Buffer.concat([body, Buffer.alloc(64, 0x08)])
    // Cut the range short inside the payload field: the bytes after it must not be read.
    const f = new InboundFrame(0, ECHO, 1, bytes, 0, body.length - 12)
    expect(() => f.decode(Echo)).toThrow()
  })
})
