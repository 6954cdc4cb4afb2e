import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../timer/clock.js'
import { decodeMinimalReason } from './control.js'
import {
  type EchoApp,
  echoApp,
  MSG_BROADCAST,
  MSG_ECHO,
  MSG_LOGIN,
  MSG_SLOW,
  RawTcpClient,
  RawWsClient,
  sleep,
  tcpFrame,
} from './fixtures/net-fixtures.js'
import { FrameFlag } from './frame-header.js'
import type { NetServerOptions } from './net-server.js'

let app: EchoApp
afterEach(async () => {
  await app?.server.close()
})

async function tcpApp(opts: Partial<NetServerOptions> = {}, type: 'client' | 'service' = 'client') {
  app = echoApp(opts)
  const l = await app.server.listen('tcp://127.0.0.1:0', type)
  return l.address.port
}

const waitFor = async (pred: () => boolean, ms = 5000): Promise<boolean> => {
  const end = Date.now() + ms
  while (!pred() && Date.now() < end) await sleep(5)
  return pred()
}

/** A service link on a manual clock (heartbeat 1 s, idle deadline 3 s, swept by hand); `out` is the connecting side. */
async function oneWayLink() {
  const clock = new ManualClock()
  const port = await tcpApp(
    {
      clock,
      autoSweep: false,
      limits: { service: { heartbeatIntervalMs: 1000, idleTimeoutMs: 3000, handshakeTimeoutMs: 0 } },
    },
    'service',
  )
  const out = await app.server.connect(`tcp://127.0.0.1:${port}`, 'service')
  await waitFor(() => app.sessions.length === 2)
  return { clock, out }
}

describe('Session deadlines', () => {
  it('closes a session that does not authenticate in time, keeps one that did', async () => {
    const clock = new ManualClock()
    const port = await tcpApp({
      clock,
      autoSweep: false,
      limits: { client: { handshakeTimeoutMs: 1000, idleTimeoutMs: 0 } },
    })
    const late = await RawTcpClient.open(port)
    const good = await RawTcpClient.open(port)
    good.send(0, MSG_LOGIN, 1, '')
    await good.until(() => good.frames.length === 1)
    await waitFor(() => app.sessions.length === 2)
    clock.advance(999)
    app.server.sweep()
    expect(app.server.size).toBe(2)
    clock.advance(1)
    app.server.sweep()
    await late.closedPromise
    expect(app.sessions[0]!.closeReason?.code).toBe('NET_HANDSHAKE_TIMEOUT')
    expect(app.logger.withCode('NET_HANDSHAKE_TIMEOUT')).toHaveLength(1)
    expect(await good.echo(2, 'still here')).toBe('still here')
    good.close()
  })

  it('closes an idle session and answers heartbeats on the priority lane', async () => {
    const clock = new ManualClock()
    const port = await tcpApp({
      clock,
      autoSweep: false,
      limits: { client: { idleTimeoutMs: 5000, handshakeTimeoutMs: 0 } },
    })
    const c = await RawTcpClient.open(port)
    c.send(0, 3, 33, '')
    await c.until(() => c.frames.length === 1)
    expect(c.frames[0]).toMatchObject({ flags: FrameFlag.RESPONSE | FrameFlag.PRIORITY, msgId: 3, reqId: 33 })
    clock.advance(4000)
    c.send(0, 1, 34, '')
    await c.until(() => c.frames.length === 2)
    clock.advance(4000)
    app.server.sweep()
    expect(app.server.size).toBe(1)
    clock.advance(1000)
    app.server.sweep()
    await c.closedPromise
    expect(app.sessions[0]!.closeReason?.code).toBe('NET_IDLE_TIMEOUT')
  })

  it('a connecting side heartbeats when it has sent nothing for the interval', async () => {
    const clock = new ManualClock()
    const port = await tcpApp(
      { clock, autoSweep: false, limits: { service: { heartbeatIntervalMs: 1000, handshakeTimeoutMs: 0 } } },
      'service',
    )
    const out = await app.server.connect(`tcp://127.0.0.1:${port}`, 'service')
    await waitFor(() => app.sessions.length === 2)
    const inbound = app.sessions.find((s) => !s.initiator)!
    const before = inbound.lastRecvAt
    clock.advance(1000)
    app.server.sweep()
    await waitFor(() => inbound.lastRecvAt > before && out.lastRecvAt > before)
    expect(inbound.lastRecvAt).toBe(before + 1000)
    expect(out.lastRecvAt).toBe(before + 1000)
  })

  it('a connecting side whose traffic runs one way heartbeats on receive silence, so its own idle deadline keeps a live link', async () => {
    const { clock, out } = await oneWayLink()
    // Every 500 ms a one-way message (a response nobody answers), for 5 s: the
    // connecting side is never send-silent for an interval, the accepting side never sends.
    for (let i = 0; i < 10; i++) {
      const seen = app.responses.length
      const inBefore = out.framesIn
      out.send(FrameFlag.RESPONSE, MSG_ECHO, 1, new TextEncoder().encode('one-way'))
      await waitFor(() => app.responses.length === seen + 1)
      clock.advance(500)
      app.server.sweep()
      // A heartbeat is due once a whole interval passed with nothing received: wait for its answer.
      if (clock.monotonic() - out.lastRecvAt >= 1000) await waitFor(() => out.framesIn > inBefore)
      expect(out.isOpen, `cut at ${clock.monotonic()} ms: ${out.closeReason?.code}`).toBe(true)
    }
    // One heartbeat an interval, not one a sweep: the accepting side answered 4 or 5, not 10.
    expect(out.framesIn).toBeGreaterThanOrEqual(4)
    expect(out.framesIn).toBeLessThanOrEqual(5)
  })

  it('while no answer comes, a connecting side heartbeats once an interval, not on every sweep', async () => {
    const { clock, out } = await oneWayLink()
    const inbound = app.sessions.find((s) => !s.initiator)!
    const start = inbound.framesIn
    // Sweeps every 250 ms for 2 s with a one-way message before each, all in one
    // turn: no answer can arrive, so receive silence lasts the whole time.
    for (let i = 0; i < 8; i++) {
      out.send(FrameFlag.RESPONSE, MSG_ECHO, 1, new TextEncoder().encode('one-way'))
      clock.advance(250)
      app.server.sweep()
    }
    // 8 one-way messages and 2 heartbeats (at 1000 and 2000 ms), not 5 (every sweep from 1000 ms).
    await waitFor(() => inbound.framesIn - start >= 10)
    await sleep(50)
    expect(inbound.framesIn - start).toBe(10)
    expect(out.isOpen).toBe(true)
  })

  it('caps frames at the pre-auth size until markAuthenticated (TCP and WebSocket)', async () => {
    app = echoApp({ limits: { client: { preAuthMaxFrameBytes: 1024, maxFrameBytes: 64 * 1024 } } })
    const tl = await app.server.listen('tcp://127.0.0.1:0', 'client')
    const wl = await app.server.listen('ws://127.0.0.1:0', 'client')
    const big = 'x'.repeat(4000)
    const t1 = await RawTcpClient.open(tl.address.port)
    t1.send(0, MSG_ECHO, 1, big)
    await t1.closedPromise
    const w1 = await RawWsClient.open(`ws://127.0.0.1:${wl.address.port}`)
    w1.send(0, MSG_ECHO, 1, big)
    await w1.closedPromise
    expect(w1.closeCode).toBe(1009)
    expect(app.logger.withCode('NET_FRAME_TOO_LARGE')).toHaveLength(2)
    const t2 = await RawTcpClient.open(tl.address.port)
    const w2 = await RawWsClient.open(`ws://127.0.0.1:${wl.address.port}`)
    for (const c of [t2, w2]) {
      c.send(0, MSG_LOGIN, 1, '')
      expect(await c.echo(2, big)).toBe(big)
    }
    t2.close()
    w2.close()
  })
})

describe('Session release', () => {
  it('close() is idempotent: same promise, onClose once, writes after close refused and counted', async () => {
    const port = await tcpApp()
    const c = await RawTcpClient.open(port)
    await waitFor(() => app.sessions.length === 1)
    const s = app.sessions[0]!
    const p1 = s.close()
    const p2 = s.close()
    expect(p2).toBe(p1)
    expect(s.abort(new Error('x') as never)).toBe(p1)
    await p1
    expect(s.whenClosed()).toBe(p1)
    expect(s.push(MSG_ECHO, Buffer.from('late'))).toBe(false)
    expect(app.server.counters.writesAfterClose).toBe(1)
    expect(app.closes.get(s.id)).toBe(1)
    await c.closedPromise
  })
})

describe('Backpressure and queues', () => {
  it('WebSocket: reading pauses while the inbound queue is full and resumes as it drains', async () => {
    app = echoApp({ limits: { client: { inboundQueueMax: 4, msgRatePerSec: 0 } } })
    const port = (await app.server.listen('ws://127.0.0.1:0', 'client')).address.port
    const c = await RawWsClient.open(`ws://127.0.0.1:${port}`)
    for (let i = 0; i < 12; i++) {
      c.send(0, MSG_SLOW, i + 1, `m${i}`)
      await sleep(2)
    }
    await waitFor(() => app.slowSeen === 1)
    await sleep(50)
    const s = app.sessions[0]!
    // One in the handler, four queued, the rest held back by the paused socket (none dropped).
    expect(s.droppedInbound).toBe(0)
    for (let i = 0; i < 60 && c.frames.length < 12; i++) {
      app.release()
      await sleep(5)
    }
    expect(c.frames.map((f) => f.reqId)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    c.close()
  })

  it('client: messages past the inbound queue are dropped and counted; service: none dropped', async () => {
    for (const type of ['client', 'service'] as const) {
      const port = await tcpApp(
        { limits: { [type]: { inboundQueueMax: 4, msgRatePerSec: 0, stacks: ['tcp'] } } },
        type,
      )
      const c = await RawTcpClient.open(port)
      // One write: the parser emits all 21 frames in one go, faster than pausing can act.
      const burst = Buffer.concat(Array.from({ length: 21 }, (_, i) => tcpFrame(0, MSG_SLOW, i + 1, `m${i}`)))
      c.write(burst)
      await waitFor(() => app.slowSeen === 1)
      await sleep(50)
      const s = app.sessions[0]!
      for (let i = 0; i < 40 && c.frames.length < (type === 'client' ? 5 : 21); i++) {
        app.release()
        await sleep(5)
      }
      if (type === 'client') {
        expect(s.droppedInbound).toBe(16)
        expect(c.frames.map((f) => f.reqId)).toEqual([1, 2, 3, 4, 5])
      } else {
        expect(s.droppedInbound).toBe(0)
        expect(c.frames.map((f) => f.reqId)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1))
      }
      c.close()
      await app.server.close()
    }
  })

  it('drops broadcasts (counted) over the soft cap, never responses, and control frames overtake queued ones', async () => {
    const port = await tcpApp({
      limits: {
        writeHighWaterBytes: 16 * 1024,
        client: { outboundSoftBytes: 256 * 1024, outboundHardBytes: 64 * 1024 * 1024, msgRatePerSec: 0 },
      },
    })
    const c = await RawTcpClient.open(port)
    c.socket.pause()
    await waitFor(() => app.sessions.length === 1)
    const s = app.sessions[0]!
    const chunk = Buffer.alloc(16 * 1024, 1)
    let n = 0
    // Fill the socket and the kernel buffers until frames start waiting in the lanes.
    while (s.outboundBytes < 512 * 1024 && n < 5000) {
      s.push(MSG_ECHO, chunk)
      n++
      if (n % 50 === 0) await sleep(1)
    }
    expect(s.push(MSG_BROADCAST, Buffer.from('b'), 1)).toBe(false)
    expect(s.droppedBroadcasts).toBe(1)
    expect(app.server.counters.droppedBroadcasts).toBe(1)
    expect(s.reply({ flags: 0, msgId: MSG_ECHO, reqId: 9 }, Buffer.from('must arrive'))).toBe(true)
    expect(s.sendControl(7, Buffer.from('urgent'))).toBe(true)
    c.socket.resume()
    await c.until(() => c.frames.length === n + 2, 20_000)
    const idxControl = c.frames.findIndex((f) => f.msgId === 7)
    const idxReply = c.frames.findIndex((f) => f.reqId === 9)
    expect(idxControl).toBeGreaterThan(0)
    expect(idxControl).toBeLessThan(n)
    expect(idxReply).toBe(n + 1)
    expect(s.outSeq).toBe(n + 1)
    c.close()
  })
})

describe('Graceful close', () => {
  it('gives a peer that never reads closeGraceMs, then destroys', async () => {
    const port = await tcpApp({
      limits: { closeGraceMs: 200, client: { outboundHardBytes: 64 * 1024 * 1024 } },
    })
    const c = await RawTcpClient.open(port)
    c.socket.pause()
    await waitFor(() => app.sessions.length === 1)
    const s = app.sessions[0]!
    const chunk = Buffer.alloc(64 * 1024)
    for (let i = 0; i < 200 && s.outboundBytes < 4 * 1024 * 1024; i++) {
      s.push(MSG_ECHO, chunk)
      if (i % 20 === 19) await sleep(1)
    }
    const t0 = Date.now()
    await s.close()
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150)
    expect(app.closes.get(s.id)).toBe(1)
    c.close()
  })
})

describe('NetServer.close', () => {
  it('is shared: a second caller gets the same promise, settled only when every session is released', async () => {
    const port = await tcpApp()
    const c = await RawTcpClient.open(port)
    await waitFor(() => app.sessions.length === 1)
    const first = app.server.close()
    const second = app.server.close()
    expect(second).toBe(first)
    await second
    expect(app.server.size).toBe(0)
    expect(app.closes.get(app.sessions[0]!.id)).toBe(1)
    c.close()
  })
})

describe('Control lane', () => {
  it('kicks by id list and by owner with a reason frame, releasing each once', async () => {
    const port = await tcpApp()
    const cs = await Promise.all([0, 1, 2, 3].map(() => RawTcpClient.open(port)))
    await waitFor(() => app.sessions.length === 4)
    app.sessions[2]!.ownerId = 7
    app.sessions[3]!.ownerId = 7
    expect(app.server.kick([app.sessions[0]!.id, 999], 'maintenance')).toBe(1)
    expect(app.server.kickOwner(7, 'worker moved')).toBe(2)
    await Promise.all([cs[0]!.closedPromise, cs[2]!.closedPromise, cs[3]!.closedPromise])
    expect(cs[0]!.frames[0]).toMatchObject({ msgId: 5, flags: FrameFlag.PRIORITY })
    expect(decodeMinimalReason(cs[0]!.frames[0]!.body)).toEqual({
      code: 'NET_KICKED',
      message: 'maintenance',
    })
    expect(decodeMinimalReason(cs[3]!.frames[0]!.body).message).toBe('worker moved')
    expect(await cs[1]!.echo(1, 'alive')).toBe('alive')
    expect([...app.closes.values()]).toEqual([1, 1, 1])
    cs[1]!.close()
  })

  it('swaps IP rules live: refuses new connections and optionally kicks existing ones', async () => {
    const port = await tcpApp()
    const a = await RawTcpClient.open(port)
    await waitFor(() => app.sessions.length === 1)
    app.server.setIpRules({ deny: ['127.0.0.0/8'] })
    // Refused with a reset before a byte is read: the connect itself may fail or the socket closes at once.
    await RawTcpClient.open(port).then(
      (c) => c.closedPromise,
      () => undefined,
    )
    expect(app.server.counters.refused).toBe(1)
    // Same admission on the HTTP-based stacks, before the upgrade request is parsed.
    const wsPort = (await app.server.listen('ws://127.0.0.1:0', 'client')).address.port
    await expect(RawWsClient.open(`ws://127.0.0.1:${wsPort}`)).rejects.toThrow()
    expect(app.server.counters.refused).toBe(2)
    expect(await a.echo(1, 'kept')).toBe('kept')
    expect(app.server.setIpRules({ deny: ['127.0.0.1/32', '::1'] }, { kickExisting: true })).toBe(1)
    await a.closedPromise
    app.server.setIpRules({ allow: ['127.0.0.1'] })
    const b = await RawTcpClient.open(port)
    expect(await b.echo(2, 'back')).toBe('back')
    b.close()
  })

  it('puts connections over the per-IP accept rate on probation: cut unless their first frame is prompt', async () => {
    const port = await tcpApp({
      limits: { acceptRatePerSec: 1, acceptBurst: 3, probationMs: 150, sweepIntervalMs: 20 },
    })
    const cs = await Promise.all([0, 1, 2, 3, 4].map(() => RawTcpClient.open(port)))
    await waitFor(() => cs.filter((c) => c.closed).length === 2)
    expect(app.server.counters.probation).toBe(2)
    expect(app.server.counters.probationTimeouts).toBe(2)
    expect(app.server.size).toBe(3)
    // Over the rate too, but it speaks at once: served (a NAT neighbour's churn does not lock it out).
    const prompt = await RawTcpClient.open(port)
    expect(await prompt.echo(1, 'in')).toBe('in')
    expect(app.server.counters.probation).toBe(3)
    for (const c of [...cs, prompt]) c.close()
  })
})
