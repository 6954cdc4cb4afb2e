// Each bad input: the server logs, releases that session exactly once, and
// keeps serving a healthy client on the same listener.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeMinimalReason } from './control.js'
import {
  type EchoApp,
  echoApp,
  MSG_ECHO,
  RawTcpClient,
  RawWsClient,
  sleep,
  tcpFrame,
} from './fixtures/net-fixtures.js'
import { FrameFlag } from './frame-header.js'

let app: EchoApp
let tcpPort: number
let wsPort: number
let autoPort: number
let httpPort: number
let healthy: RawTcpClient
let healthyWs: RawWsClient
let reqId = 1000

beforeAll(async () => {
  app = echoApp({
    limits: {
      client: {
        preAuthMaxFrameBytes: 64 * 1024,
        maxFrameBytes: 64 * 1024,
        handshakeTimeoutMs: 400,
        msgRatePerSec: 200,
        msgBurst: 100,
        outboundSoftBytes: 256 * 1024,
        outboundHardBytes: 1024 * 1024,
        maxBadMessages: 3,
      },
      admin: { handshakeTimeoutMs: 400 },
      acceptRatePerSec: 0,
      upgradeTimeoutMs: 400,
      sweepIntervalMs: 50,
      httpMaxHeadersCount: 50,
      httpMaxHeaderBytes: 16 * 1024,
    },
  })
  tcpPort = (await app.server.listen('tcp://127.0.0.1:0', 'client')).address.port
  wsPort = (await app.server.listen('ws://127.0.0.1:0', 'client')).address.port
  autoPort = (await app.server.listen('auto://127.0.0.1:0', 'client')).address.port
  httpPort = (
    await app.server.listen('http://127.0.0.1:0', 'admin', {
      routes: { 'GET /ok': (_q, r) => void r.end('ok') },
    })
  ).address.port
  healthy = await RawTcpClient.open(tcpPort)
  healthyWs = await RawWsClient.open(`ws://127.0.0.1:${wsPort}`)
  // Healthy clients authenticate so the handshake deadline does not apply to them.
  healthy.send(0, 10, 1, '')
  healthyWs.send(0, 10, 1, '')
  await healthy.until(() => healthy.frames.length === 1)
  await healthyWs.until(() => healthyWs.frames.length === 1)
})

afterAll(async () => {
  healthy.close()
  healthyWs.close()
  await app.server.close()
})

async function stillServing(): Promise<void> {
  const n = ++reqId
  expect(await healthy.echo(n, `ok${n}`)).toBe(`ok${n}`)
  expect(await healthyWs.echo(n, `ws${n}`)).toBe(`ws${n}`)
  expect(healthy.closed || healthyWs.closed).toBe(false)
}

/** The newest server session: the bad client's. */
async function lastSession() {
  const n = app.sessions.length
  await healthy.until(() => app.sessions.length >= n, 100)
  return app.sessions[app.sessions.length - 1]!
}

async function expectReleased(code: string | string[]): Promise<void> {
  const s = await lastSession()
  await s.whenClosed()
  const codes = Array.isArray(code) ? code : [code]
  expect(codes).toContain(s.closeReason?.code)
  expect(app.closes.get(s.id)).toBe(1)
  expect(
    app.logger.lines.some((l) => (l.obj as { session?: number }).session === s.id && l.level === 'warn'),
  ).toBe(true)
}

describe('bad input', () => {
  it('garbage bytes (TCP, WebSocket text and binary, auto)', async () => {
    let seed = 42
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return (seed >> 16) & 0xff
    }
    const noise = Buffer.from(Array.from({ length: 4096 }, rnd))
    const c = await RawTcpClient.open(tcpPort)
    c.write(noise)
    await c.closedPromise
    await expectReleased(['NET_FRAME_TOO_LARGE', 'NET_FRAME_TOO_SMALL', 'NET_BAD_HEADER'])

    const h = await RawTcpClient.open(tcpPort)
    h.write(
      Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.from([0xff, 7, 0, 0, 0, 100, 0, 0, 0, 1, 1, 2])]),
    )
    await h.closedPromise
    await expectReleased('NET_BAD_HEADER')

    const w = await RawWsClient.open(`ws://127.0.0.1:${wsPort}`)
    w.ws.send('hello text')
    await w.closedPromise
    await expectReleased('NET_BAD_MESSAGE_TYPE')
    const w2 = await RawWsClient.open(`ws://127.0.0.1:${wsPort}`)
    w2.ws.send(Buffer.from([1, 2, 3]))
    await w2.closedPromise
    await expectReleased('NET_BAD_HEADER')

    const a = await RawTcpClient.open(autoPort)
    a.write(Buffer.from('HELLO there\r\n\r\n'))
    await a.closedPromise
    expect(app.logger.lines.some((l) => l.msg === 'bad http request')).toBe(true)
    await stillServing()
  })

  it('a length prefix of 4 GiB', async () => {
    const c = await RawTcpClient.open(tcpPort)
    c.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]))
    await c.closedPromise
    await expectReleased('NET_FRAME_TOO_LARGE')
    await stillServing()
  })

  it('a frame split one byte at a time is served', async () => {
    const c = await RawTcpClient.open(tcpPort)
    const f = Buffer.concat([tcpFrame(0, MSG_ECHO, 5, 'slowly'), tcpFrame(0, MSG_ECHO, 6, 'again')])
    for (const b of f) {
      c.write(Buffer.from([b]))
      await sleep(1)
    }
    await c.until(() => c.frames.length === 2)
    expect(c.frames.map((x) => Buffer.from(x.body).toString())).toEqual(['slowly', 'again'])
    c.close()
    await stillServing()
  })

  it('an unknown message id gets an error reply and a count; too many close the session', async () => {
    const before = app.server.counters.badMessages
    const c = await RawTcpClient.open(tcpPort)
    c.send(0, 4242, 77, 'what')
    await c.until(() => c.frames.length === 1)
    expect(c.frames[0]).toMatchObject({ flags: FrameFlag.RESPONSE | FrameFlag.ERROR, msgId: 4242, reqId: 77 })
    expect(decodeMinimalReason(c.frames[0]!.body).code).toBe('NET_UNKNOWN_MESSAGE')
    expect(app.server.counters.badMessages).toBe(before + 1)
    expect(await c.echo(78, 'fine')).toBe('fine')
    for (let i = 0; i < 3; i++) c.send(0, 4242, 80 + i, '')
    await c.closedPromise
    await expectReleased('NET_TOO_MANY_ERRORS')
    await stillServing()
  })

  it('a client that never reads hits the outbound byte cap and is closed', async () => {
    const c = await RawTcpClient.open(tcpPort)
    c.socket.pause()
    // Authenticated first, so the 400 ms handshake deadline cannot win the race on a loaded box.
    c.send(0, 10, 1, '')
    const big = tcpFrame(0, MSG_ECHO, 1, Buffer.alloc(60 * 1024, 7))
    // Bounded: at most 400 × 60 KiB echo requests, paced under the rate limit.
    for (let i = 0; i < 400 && !c.closed && app.sessions.at(-1)!.isOpen; i++) {
      c.write(big)
      if (i % 50 === 49) await sleep(300)
    }
    await expectReleased('NET_OUTBOUND_OVERFLOW')
    c.close()
    expect(app.server.counters.outboundOverflows).toBe(1)
    await stillServing()
  })

  it('a client flooding messages is cut by the rate limit', async () => {
    const c = await RawTcpClient.open(tcpPort)
    c.write(Buffer.concat(Array.from({ length: 500 }, (_, i) => tcpFrame(0, MSG_ECHO, i + 1, 'x'))))
    await c.closedPromise
    await expectReleased('NET_RATE_LIMITED')
    // At most the burst answered, then the Kick that says why (docs/protocol.md: KICK_FLOOD).
    expect(c.frames.filter((f) => f.msgId === MSG_ECHO).length).toBeLessThanOrEqual(100)
    expect(decodeMinimalReason(c.frames.at(-1)!.body).code).toBe('NET_RATE_LIMITED')
    await stillServing()
  })

  it('a WebSocket upgrade that never finishes is cut after the upgrade timeout', async () => {
    const started = Date.now()
    const s = connect({ port: wsPort, host: '127.0.0.1' })
    s.on('error', () => {})
    s.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n')
    const closed = await new Promise<number>((res) => s.on('close', () => res(Date.now() - started)))
    expect(closed).toBeLessThan(5000)
    await stillServing()
  })

  it('a WebSocket that upgrades but never sends a frame hits the handshake deadline', async () => {
    const w = await RawWsClient.open(`ws://127.0.0.1:${wsPort}`)
    await w.closedPromise
    await expectReleased('NET_HANDSHAKE_TIMEOUT')
    await stillServing()
  })

  it('a request with thousands of headers gets 431 and is dropped', async () => {
    for (const port of [httpPort, wsPort, autoPort]) {
      const s = connect({ port, host: '127.0.0.1' })
      s.on('error', () => {})
      let reply = ''
      s.on('data', (d) => (reply += d))
      const headers = Array.from({ length: 5000 }, (_, i) => `x-h${i}: v\r\n`).join('')
      s.write(`GET /ok HTTP/1.1\r\nHost: x\r\n${headers}\r\n`)
      await new Promise((res) => s.on('close', res))
      expect(reply).toMatch(/^HTTP\/1.1 431/)
      expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)).error.code).toBe('NET_HTTP_BAD_REQUEST')
    }
    expect(app.logger.lines.some((l) => (l.obj as { code?: string }).code === 'HPE_HEADER_OVERFLOW')).toBe(
      true,
    )
    await stillServing()
  })

  it('a socket reset half-way through a frame, and a half-close mid-frame', async () => {
    const c = await RawTcpClient.open(tcpPort)
    const f = tcpFrame(0, MSG_ECHO, 1, 'x'.repeat(100))
    c.write(f.subarray(0, 40))
    await sleep(20)
    c.socket.resetAndDestroy()
    await expectReleased(['NET_SOCKET_ERROR', 'NET_PEER_CLOSED'])

    const h = await RawTcpClient.open(tcpPort)
    h.write(f.subarray(0, 40))
    await sleep(20)
    h.socket.end()
    await expectReleased('NET_PEER_CLOSED')
    expect(app.sessions.at(-1)!.closeReason?.details).toEqual({ midFrame: true })
    await stillServing()
  })
})
