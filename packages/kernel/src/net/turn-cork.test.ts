import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Dispatcher } from './dispatcher.js'
import { RawTcpClient, RawWsClient, sleep } from './fixtures/net-fixtures.js'
import type { SessionLimits } from './limits.js'
import { NetServer } from './net-server.js'
import { SendPolicy } from './send-policy.js'
import type { Session } from './session.js'

// Frames a session sends outside its own read (relays, async replies,
// pushes) are coalesced per event-loop turn: the socket is corked at the
// first one and uncorked once in the check phase (turn-cork.ts). These tests
// count the socket's writes on real loopback sockets, and pin down what the
// coalescing must never change: order, close/kick delivery, and the caps
// (judged on the bytes the kernel refused, never on this turn's corked ones).

const PUSH = 100

let server: NetServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function start(stack: 'tcp' | 'ws', client: Partial<SessionLimits> = {}) {
  const sessions: Session[] = []
  const d = new Dispatcher({
    onOpen: (s) => {
      s.markAuthenticated()
      sessions.push(s)
    },
  })
  server = new NetServer({ handler: d, limits: { client: { msgRatePerSec: 0, ...client } } })
  const port = (await server.listen(`${stack}://127.0.0.1:0`, 'client')).address.port
  const session = async (): Promise<Session> => {
    for (let i = 0; i < 400 && sessions.length === 0; i++) await sleep(5)
    expect(sessions.length).toBe(1)
    return sessions[0]!
  }
  return { port, session }
}

type Sink = (this: Socket, ...a: unknown[]) => void

/** Counts the stream's hand-offs to the socket handle: one _write or _writev is one write(2)/writev(2). */
function countWrites(socket: Socket): { n: number } {
  const c = { n: 0 }
  const s = socket as unknown as { _write: Sink; _writev: Sink }
  const write = s._write
  const writev = s._writev
  s._write = function (this: Socket, ...a: unknown[]) {
    c.n++
    write.apply(this, a)
  }
  s._writev = function (this: Socket, ...a: unknown[]) {
    c.n++
    writev.apply(this, a)
  }
  return c
}

/** Run `fn` in a timer callback (outside any read) and wait for it. */
const inTimer = (fn: () => void) =>
  new Promise<void>((res) =>
    setTimeout(() => {
      fn()
      res()
    }, 0),
  )

const inImmediate = (fn: () => void) =>
  new Promise<void>((res) =>
    setImmediate(() => {
      fn()
      res()
    }),
  )

const text = (b: Uint8Array) => Buffer.from(b).toString()
const N = 50

describe('write coalescing per loop turn', () => {
  it('TCP: frames sent to one socket in one turn leave in one write, in order', async () => {
    const { port, session } = await start('tcp')
    const c = await RawTcpClient.open(port)
    const s = await session()
    const writes = countWrites(s.conn.socket!)
    await inTimer(() => {
      for (let i = 0; i < N; i++) expect(s.push(PUSH, Buffer.from(`m${i}`))).toBe(true)
    })
    await c.until(() => c.frames.length === N)
    expect(c.frames.map((f) => text(f.body))).toEqual(Array.from({ length: N }, (_, i) => `m${i}`))
    expect(writes.n).toBe(1)
    c.close()
  })

  it('TCP: frames from several callbacks of one turn (two immediates) share one write', async () => {
    const { port, session } = await start('tcp')
    const c = await RawTcpClient.open(port)
    const s = await session()
    const writes = countWrites(s.conn.socket!)
    // Two immediates queued together run in one check phase, before the uncork
    // the first one queues behind them. (Two timers are not sure to: created across
    // a millisecond boundary, they may fall due in different turns.)
    await Promise.all([
      inImmediate(() => {
        for (let i = 0; i < N / 2; i++) s.push(PUSH, Buffer.from(`a${i}`))
      }),
      inImmediate(() => {
        for (let i = 0; i < N / 2; i++) s.push(PUSH, Buffer.from(`b${i}`))
      }),
    ])
    await c.until(() => c.frames.length === N)
    const want = [
      ...Array.from({ length: N / 2 }, (_, i) => `a${i}`),
      ...Array.from({ length: N / 2 }, (_, i) => `b${i}`),
    ]
    expect(c.frames.map((f) => text(f.body))).toEqual(want)
    expect(writes.n).toBe(1)
    c.close()
  })

  it('WebSocket: the messages of one turn leave in one write, in order', async () => {
    const { port, session } = await start('ws')
    const c = await RawWsClient.open(`ws://127.0.0.1:${port}`)
    const s = await session()
    const writes = countWrites(s.conn.socket!)
    await inTimer(() => {
      for (let i = 0; i < N; i++) expect(s.push(PUSH, Buffer.from(`w${i}`))).toBe(true)
    })
    await c.until(() => c.frames.length === N)
    expect(c.frames.map((f) => text(f.body))).toEqual(Array.from({ length: N }, (_, i) => `w${i}`))
    expect(writes.n).toBe(1)
    c.close()
  })

  for (const stack of ['tcp', 'ws'] as const)
    it(`${stack}: a kick right after this turn's frames still reaches the peer after them`, async () => {
      const { port, session } = await start(stack)
      const c =
        stack === 'tcp' ? await RawTcpClient.open(port) : await RawWsClient.open(`ws://127.0.0.1:${port}`)
      const s = await session()
      await inTimer(() => {
        for (let i = 0; i < N; i++) s.push(PUSH, Buffer.from(`k${i}`))
        void s.kick('bye')
      })
      await c.closedPromise
      expect(c.frames.length).toBe(N + 1)
      expect(c.frames.slice(0, N).map((f) => text(f.body))).toEqual(
        Array.from({ length: N }, (_, i) => `k${i}`),
      )
      // The Kick (control id 5) comes last.
      expect(c.frames[N]!.msgId).toBe(5)
      expect(s.closeReason?.code).toBe('NET_KICKED')
    })

  it('a burst larger than the caps in one turn is not mistaken for a backlog when the kernel takes it', async () => {
    // Corked bytes count as unsent; the session flushes them and judges the
    // caps on what the kernel refused (loopback takes megabytes at once).
    const hard = 64 * 1024
    const soft = 16 * 1024
    const { port, session } = await start('tcp', { outboundSoftBytes: soft, outboundHardBytes: hard })
    const c = await RawTcpClient.open(port)
    const s = await session()
    const writes = countWrites(s.conn.socket!)
    const body = Buffer.alloc(1024, 1)
    const frames = 256
    await inTimer(() => {
      for (let i = 0; i < frames; i++) {
        expect(s.push(PUSH, body, i % 2 === 0 ? SendPolicy.KEEP : SendPolicy.DROPPABLE)).toBe(true)
      }
    })
    expect(s.isOpen).toBe(true)
    expect(s.droppedBroadcasts).toBe(0)
    await c.until(() => c.frames.length === frames)
    expect(c.frames.length).toBe(frames)
    // Still coalesced: one write per soft cap's worth of frames, not one per frame.
    expect(writes.n).toBeLessThanOrEqual(Math.ceil((frames * 1038) / soft) + 1)
    c.close()
  })

  it('a reader that stops reading is still cut at the hard cap on the bytes the kernel refused', async () => {
    const hard = 256 * 1024
    const { port, session } = await start('tcp', { outboundSoftBytes: hard, outboundHardBytes: hard })
    const c = await RawTcpClient.open(port)
    c.socket.pause()
    const s = await session()
    const size = 4 + 10 + 1024
    const body = Buffer.alloc(1024, 2)
    let accepted = 0
    await inTimer(() => {
      // Bounded: 20,000 frames (20 MiB) is far past what loopback buffers hold.
      for (let i = 0; i < 20_000; i++) {
        if (!s.push(PUSH, body)) break
        accepted++
      }
    })
    expect(s.isOpen).toBe(false)
    expect(s.closeReason?.code).toBe('NET_OUTBOUND_OVERFLOW')
    const [backlog, cap] = (s.closeReason?.message.match(/\d+/g) ?? []).map(Number)
    expect(cap).toBe(hard)
    // Cut at the cap: the frame that did not fit would have taken the refused backlog past it...
    expect(backlog).toBeGreaterThan(hard)
    expect(backlog! - size).toBeLessThanOrEqual(hard)
    // ...and what the kernel took before was not counted against it (all of it
    // corked in this one turn, a count of corked bytes would have cut at `hard`).
    expect(accepted * size).toBeGreaterThan(hard + 64 * 1024)
    c.close()
  })
})
