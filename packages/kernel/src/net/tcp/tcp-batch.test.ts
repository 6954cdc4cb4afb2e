import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Dispatcher } from '../dispatcher.js'
import { NetSessionClosed } from '../errors.js'
import { RawTcpClient, sleep, tcpFrame } from '../fixtures/net-fixtures.js'
import { NetServer } from '../net-server.js'
import type { Session } from '../session.js'
import { outSlab, SLAB_BYTES, SLAB_FRAME_MAX } from './out-slab.js'
import type { TcpConnection } from './tcp-connection.js'

// The TCP connection encodes the frames sent while it parses one read into a
// shared slab and writes them as one buffer when the read is parsed. These
// tests pin down what that must never change: order, bytes, backpressure
// accounting, and what end()/destroy() inside a read do.

const ECHO = 100
const BIG = 101
const CLOSE = 102
const ABORT = 103
const MEASURE = 104

let server: NetServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

interface Harness {
  port: number
  sessions: Session[]
  /** socket.write calls of each session's socket, by session id. */
  writes: Map<number, number>
  /** Every chunk written: the socket's backlog before the call, and the ArrayBuffer size behind the chunk. */
  chunks: { backlog: number; arrayBytes: number }[]
  measured: number[]
}

async function start(outboundHardBytes = 2 * 1024 * 1024): Promise<Harness> {
  const h: Harness = { port: 0, sessions: [], writes: new Map(), chunks: [], measured: [] }
  const d = new Dispatcher({
    onOpen: (s) => {
      s.markAuthenticated()
      h.sessions.push(s)
      // Count the socket writes this session's connection makes.
      const sock = (s.conn as TcpConnection).socket as Socket & { write: Socket['write'] }
      const orig = sock.write.bind(sock)
      h.writes.set(s.id, 0)
      sock.write = ((...a: Parameters<Socket['write']>) => {
        h.writes.set(s.id, h.writes.get(s.id)! + 1)
        const chunk = a[0] as Uint8Array
        h.chunks.push({ backlog: sock.writableLength, arrayBytes: chunk.buffer.byteLength })
        return orig(...a)
      }) as Socket['write']
    },
  })
  d.on(ECHO, (s, f) => {
    s.reply(f, f.body)
  })
  d.on(BIG, (s, f) => {
    // small, one frame too big for the slab, small: the big one must not overtake.
    s.reply(f, Buffer.from('before'))
    s.push(BIG, Buffer.alloc(SLAB_FRAME_MAX + 1, 7))
    s.push(ECHO, Buffer.from('after'))
  })
  d.on(CLOSE, (s, f) => {
    s.reply(f, Buffer.from('bye'))
    void s.close()
  })
  d.on(ABORT, (s, f) => {
    s.reply(f, Buffer.from('never sent'))
    void s.abort(new NetSessionClosed(s.id))
  })
  d.on(MEASURE, (s, f) => {
    const before = s.outboundBytes
    s.reply(f, Buffer.alloc(100))
    h.measured.push(s.outboundBytes - before)
  })
  server = new NetServer({ handler: d, limits: { client: { msgRatePerSec: 0, outboundHardBytes } } })
  h.port = (await server.listen('tcp://127.0.0.1:0', 'client')).address.port
  return h
}

const text = (b: Uint8Array) => Buffer.from(b).toString()

describe('TCP reply batching', () => {
  it('sends the replies to one read as one socket write, in order', async () => {
    const h = await start()
    const c = await RawTcpClient.open(h.port)
    c.write(Buffer.concat(Array.from({ length: 20 }, (_, i) => tcpFrame(0, ECHO, i + 1, `m${i}`))))
    await c.until(() => c.frames.length === 20)
    expect(c.frames.map((f) => f.reqId)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(c.frames.map((f) => text(f.body))).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`))
    // Loopback delivers the 20 frames in one read, usually; never more writes than reads.
    expect(h.writes.get(h.sessions[0]!.id)).toBeLessThanOrEqual(2)
    c.close()
  })

  it('keeps order when a frame too big for the slab comes between batched ones', async () => {
    const h = await start()
    const c = await RawTcpClient.open(h.port)
    c.send(0, BIG, 5, '')
    await c.until(() => c.frames.length === 3)
    expect(c.frames.map((f) => f.msgId)).toEqual([BIG, BIG, ECHO])
    expect(text(c.frames[0]!.body)).toBe('before')
    expect(c.frames[1]!.body.length).toBe(SLAB_FRAME_MAX + 1)
    expect(c.frames[1]!.body.every((b) => b === 7)).toBe(true)
    expect(text(c.frames[2]!.body)).toBe('after')
    c.close()
  })

  it('renews the slab when one read answers more than it holds, losing and reordering nothing', async () => {
    const h = await start()
    const c = await RawTcpClient.open(h.port)
    const n = 400
    const body = (i: number) => `${i}:`.padEnd(1000, String.fromCharCode(97 + (i % 26)))
    c.write(Buffer.concat(Array.from({ length: n }, (_, i) => tcpFrame(0, ECHO, i + 1, body(i)))))
    await c.until(() => c.frames.length === n, 10_000)
    expect(c.frames.length).toBe(n)
    expect(n * 1014).toBeGreaterThan(SLAB_BYTES)
    for (let i = 0; i < n; i++) {
      expect(c.frames[i]!.reqId).toBe(i + 1)
      expect(text(c.frames[i]!.body)).toBe(body(i))
    }
    c.close()
  })

  it('counts batched frames as outbound bytes until they are written', async () => {
    const h = await start()
    const c = await RawTcpClient.open(h.port)
    c.send(0, MEASURE, 1, '')
    await c.until(() => c.frames.length === 1)
    expect(h.measured).toEqual([4 + 10 + 100])
    c.close()
  })

  it('close() inside a read sends what was batched first, then ends', async () => {
    const h = await start()
    const c = await RawTcpClient.open(h.port)
    c.write(Buffer.concat([tcpFrame(0, ECHO, 1, 'a'), tcpFrame(0, CLOSE, 2, '')]))
    await c.closedPromise
    expect(c.frames.map((f) => [f.reqId, text(f.body)])).toEqual([
      [1, 'a'],
      [2, 'bye'],
    ])
    expect(h.sessions[0]!.isOpen).toBe(false)
  })

  it('abort() inside a read drops the batch, and the next connection is served cleanly', async () => {
    const h = await start()
    const c = await RawTcpClient.open(h.port)
    const pos = outSlab.pos
    c.write(Buffer.concat([tcpFrame(0, ECHO, 1, 'dropped too'), tcpFrame(0, ABORT, 2, '')]))
    await c.closedPromise
    expect(c.frames).toEqual([])
    // The aborted batch gave its slab bytes back.
    expect(outSlab.pos).toBe(pos)
    const d = await RawTcpClient.open(h.port)
    expect(await d.echo(3, 'fresh')).toBe('fresh')
    d.close()
  })

  it('a push from outside any read is written at once', async () => {
    const h = await start()
    const c = await RawTcpClient.open(h.port)
    while (h.sessions.length === 0) await sleep(5)
    expect(h.sessions[0]!.push(ECHO, Buffer.from('timer push'))).toBe(true)
    await c.until(() => c.frames.length === 1)
    expect(text(c.frames[0]!.body)).toBe('timer push')
    c.close()
  })

  it('copies a batch out of the shared slab when the socket is backed up, so a stuck peer pins no slab', async () => {
    const h = await start(64 * 1024 * 1024)
    const c = await RawTcpClient.open(h.port)
    c.socket.pause()
    const body = 'z'.repeat(3000)
    const rounds = 60
    for (let r = 0; r < rounds; r++) {
      c.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => tcpFrame(0, ECHO, r * 50 + i + 1, body))))
      await sleep(2)
    }
    while (h.sessions[0]!.outboundBytes < 1024 * 1024) await sleep(5)
    const backedUp = h.chunks.filter((x) => x.backlog > 0)
    expect(backedUp.length).toBeGreaterThan(0)
    // Written while the socket waited: never a view of a shared slab.
    for (const x of backedUp) expect(x.arrayBytes).not.toBe(SLAB_BYTES)
    c.socket.resume()
    await c.until(() => c.frames.length === rounds * 50, 20_000)
    expect(c.frames.map((f) => f.reqId)).toEqual(Array.from({ length: rounds * 50 }, (_, i) => i + 1))
    expect(c.frames.every((f) => f.body.length === 3000)).toBe(true)
    c.close()
  })
})
