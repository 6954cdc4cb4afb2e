// The edge against abusive clients (raw frames on loopback): flood and idle
// closes send their Kick (docs/protocol.md §8.7), a session kicked for
// flooding cannot resume into a fresh budget, the budget follows the user
// across reconnects, a frame sent before HandshakeOk is refused with a
// message that says so, and stalled readers are bounded node-wide.

import { NetIdleTimeout, NetSocketError, ourDecision, releaseLevel, type TesseraError } from '@tessera/kernel'
import {
  ChatPush,
  Echo,
  ErrorReply,
  Goodbye,
  Handshake,
  HandshakeOk,
  Kick,
  KickReason,
  WireError,
} from '@tessera/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { until } from '../support/clients.js'
import { startTestServer, type TestServer } from '../support/edge-server.js'
import { handshakeBody, rawHandshake } from '../support/raw-handshake.js'
import { RawTcp } from '../support/raw-tcp.js'

const ERROR = 0x08

let srv: TestServer | null = null
afterEach(async () => {
  await srv?.close()
  srv = null
})

const handshake = handshakeBody

async function login(uid: bigint): Promise<{ raw: RawTcp; ok: HandshakeOk }> {
  const raw = await RawTcp.open(srv!.tcpUrl.port)
  raw.send(0, Handshake.msgId, 1, handshake(srv!.tokens.sign(uid, 60_000)))
  await until(() => raw.frames.length >= 1, 5000, 'HandshakeOk')
  return { raw, ok: HandshakeOk.decode(raw.frames[0]!.body) }
}

const echo = (text: string): Uint8Array => Echo.encode(Echo.create({ text }))
const kickOf = (raw: RawTcp): Kick | null => {
  const f = raw.frames.find((x) => x.msgId === Kick.msgId)
  return f ? Kick.decode(f.body) : null
}

describe('edge: floods and idle clients', () => {
  it('kicks a flooding client with KICK_FLOOD and refuses its resume', async () => {
    const ended: string[] = []
    srv = await startTestServer({
      limits: { client: { msgRatePerSec: 1, msgBurst: 10 } },
      onSessionEnd: (_s, r) => ended.push(r.code),
    })
    const { raw, ok } = await login(5n)
    for (let i = 0; i < 30; i++) raw.send(0, Echo.msgId, 10 + i, echo(`m${i}`))
    await until(() => raw.closed, 5000, 'close')
    expect(kickOf(raw)?.reason).toBe(KickReason.KICK_FLOOD)
    await until(() => ended.length === 1, 5000, 'release')
    expect(ended).toEqual(['NET_RATE_LIMITED'])
    const r = await rawHandshake(srv.wsUrl, {
      token: srv.tokens.sign(5n, 60_000),
      resume: { resumeToken: ok.resumeToken, lastReceivedSeq: 0n },
    })
    expect(r.error?.code).toBe(WireError.WIRE_RESUME_REFUSED)
  })

  it('continues the user’s budget on a new login: reconnecting gives no fresh burst', async () => {
    srv = await startTestServer({ limits: { client: { msgRatePerSec: 1, msgBurst: 20 } } })
    const a = await login(7n)
    // The Handshake takes a token from the connection's own bucket; the
    // user's budget starts at the burst once logged in.
    for (let i = 0; i < 15; i++) a.raw.send(0, Echo.msgId, 10 + i, echo(`a${i}`))
    await until(() => a.raw.frames.filter((f) => f.msgId === Echo.msgId).length === 15, 5000, 'echoes')
    a.raw.destroy()
    const b = await login(7n)
    for (let i = 0; i < 20; i++) b.raw.send(0, Echo.msgId, 10 + i, echo(`b${i}`))
    await until(() => b.raw.closed, 5000, 'close')
    expect(kickOf(b.raw)?.reason).toBe(KickReason.KICK_FLOOD)
    // About 5 left (plus what refilled at 1/s meanwhile), far from a fresh 20.
    expect(b.raw.frames.filter((f) => f.msgId === Echo.msgId).length).toBeLessThan(15)
    // Another user is not affected.
    const c = await login(8n)
    for (let i = 0; i < 15; i++) c.raw.send(0, Echo.msgId, 10 + i, echo(`c${i}`))
    await until(() => c.raw.frames.filter((f) => f.msgId === Echo.msgId).length === 15, 5000, 'echoes')
    expect(c.raw.closed).toBe(false)
    c.raw.destroy()
  })

  it('kicks an idle client with KICK_IDLE; it may resume', async () => {
    srv = await startTestServer({ limits: { client: { idleTimeoutMs: 200 }, sweepIntervalMs: 20 } })
    const { raw, ok } = await login(5n)
    await until(() => raw.closed, 5000, 'close')
    expect(kickOf(raw)?.reason).toBe(KickReason.KICK_IDLE)
    const r = await rawHandshake(srv.wsUrl, {
      token: srv.tokens.sign(5n, 60_000),
      resume: { resumeToken: ok.resumeToken, lastReceivedSeq: 0n },
    })
    expect(r.ok?.resumed).toBe(true)
  })
})

describe('edge: the handshake comes first', () => {
  it('refuses a game frame sent before HandshakeOk with a message that says to wait', async () => {
    srv = await startTestServer()
    const raw = await RawTcp.open(srv.tcpUrl.port)
    // Both in one write: the Handshake is being verified when the game frame arrives.
    raw.send(0, Handshake.msgId, 1, handshake(srv.tokens.sign(5n, 60_000)))
    raw.send(0, Echo.msgId, 2, echo('too early'))
    await until(() => raw.closed, 5000, 'close')
    const refusal = raw.frames.find((f) => f.reqId === 2)!
    expect(refusal.flags & ERROR).toBe(ERROR)
    const e = ErrorReply.decode(refusal.body)
    expect(e.code).toBe(WireError.WIRE_HANDSHAKE_REQUIRED)
    expect(e.message).toMatch(/msg id 1000\) sent before HandshakeOk; wait for the Handshake answer/)
    expect(e.message).not.toMatch(/first frame/)
  })
})

describe('edge: log levels', () => {
  it('logs a client Goodbye as an ordinary end (debug), a flood kick as a warning', async () => {
    const ended: TesseraError[] = []
    srv = await startTestServer({
      limits: { client: { msgRatePerSec: 1, msgBurst: 5 } },
      onSessionEnd: (_s, r) => ended.push(r),
    })
    const a = await login(5n)
    a.raw.send(0, Goodbye.msgId, 0, Goodbye.encode({ reason: 'bye' }))
    await until(() => a.raw.closed, 5000, 'close')
    const b = await login(6n)
    for (let i = 0; i < 20; i++) b.raw.send(0, Echo.msgId, 10 + i, echo('x'))
    await until(() => ended.length === 2, 5000, 'releases')
    expect(ended.map((r) => [r.code, releaseLevel(r)])).toEqual([
      ['EDGE_CLIENT_GOODBYE', 'debug'],
      ['NET_RATE_LIMITED', 'warn'],
    ])
  })
})

describe('release log levels (what an operator must act on)', () => {
  it("a client's socket reset is routine (info), on a service link a warning; a session we end by decision is info", () => {
    const reset = NetSocketError.with(
      { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) },
      'ECONNRESET',
    )
    expect(releaseLevel(reset, 'client')).toBe('info')
    expect(releaseLevel(reset, 'client', true)).toBe('warn')
    expect(releaseLevel(reset, 'service')).toBe('warn')
    const odd = NetSocketError.with(
      { cause: Object.assign(new Error('EPROTO'), { code: 'EPROTO' }) },
      'EPROTO',
    )
    expect(releaseLevel(odd, 'client')).toBe('warn')
    expect(releaseLevel(new NetIdleTimeout(1000), 'client')).toBe('warn')
    expect(releaseLevel(ourDecision(new NetIdleTimeout(1000)), 'client')).toBe('info')
  })
})

describe('edge: stalled readers', () => {
  it('releases the biggest backlogs once the node-wide replay cap is passed; a reading client keeps its session', async () => {
    const ended: string[] = []
    srv = await startTestServer({
      maxReplayBytes: 1024 * 1024,
      maxNodeReplayBytes: 64 * 1024,
      replayShareBytes: 8 * 1024,
      onSessionEnd: (_s, r) => ended.push(r.code),
    })
    const stalled = await Promise.all([1n, 2n, 3n, 4n].map((u) => login(u)))
    const reader = await login(9n)
    const sessions = srv.edge.list()
    const readerSession = sessions.find((s) => String(s.userId) === '9')!
    // Nobody acknowledges but the reader, which acknowledges each push.
    let pushes = 0
    for (let round = 0; round < 200 && ended.length < 4; round++) {
      for (const s of sessions) {
        if (s.state === 'released') continue
        s.push(
          ChatPush,
          ChatPush.create({ channel: 'x', messageId: BigInt(++pushes), text: 'y'.repeat(1024) }),
        )
      }
      readerSession.onAck(readerSession.outSeq)
    }
    expect(ended).toEqual(Array(4).fill('EDGE_NODE_REPLAY_FULL'))
    expect(readerSession.state).toBe('live')
    expect(srv.edge.replayTotal).toBeLessThanOrEqual(64 * 1024 + 8 * 1024)
    for (const s of stalled) {
      await until(() => s.raw.closed, 5000, 'close')
      expect(kickOf(s.raw)?.reason).toBe(KickReason.KICK_SLOW_CONSUMER)
    }
    reader.raw.destroy()
  })
})
