import {
  ChatPush,
  ErrorReply,
  Handshake,
  HandshakeOk,
  Heartbeat,
  Kick,
  KickReason,
  WireError,
} from '@tessera/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { until } from '../support/clients.js'
import { startTestServer, type TestServer } from '../support/edge-server.js'
import { handshakeBody, rawHandshake } from '../support/raw-handshake.js'
import { RawTcp } from '../support/raw-tcp.js'

const RESPONSE = 0x04
const ERROR = 0x08

let srv: TestServer | null = null
afterEach(async () => {
  await srv?.close()
  srv = null
})

const handshake = handshakeBody

describe('edge protocol rules (raw frames)', () => {
  it('answers a first frame that is not a Handshake with WIRE_HANDSHAKE_REQUIRED and closes', async () => {
    srv = await startTestServer()
    const raw = await RawTcp.open(srv.tcpUrl.port)
    raw.send(0, 1000, 3, new Uint8Array([10, 1, 65]))
    await until(() => raw.closed, 3000, 'close')
    expect(raw.frames).toHaveLength(1)
    const f = raw.frames[0]!
    expect(f.flags & (RESPONSE | ERROR)).toBe(RESPONSE | ERROR)
    expect(f.reqId).toBe(3)
    const e = ErrorReply.decode(f.body)
    expect(e.code).toBe(WireError.WIRE_HANDSHAKE_REQUIRED)
    expect(e.message).toMatch(/first frame must be a Handshake/)
  })

  it('answers heartbeats once authenticated and refuses a second Handshake', async () => {
    srv = await startTestServer()
    const raw = await RawTcp.open(srv.tcpUrl.port)
    raw.send(0, Handshake.msgId, 1, handshake(srv.tokens.sign(5n, 60_000)))
    await until(() => raw.frames.length === 1)
    const ok = HandshakeOk.decode(raw.frames[0]!.body)
    expect(ok.resumed).toBe(false)
    expect(ok.heartbeatMs).toBeGreaterThan(0)
    raw.send(0, Heartbeat.msgId, 9, Heartbeat.encode({ timeMs: 1n }))
    await until(() => raw.frames.length === 2)
    expect(raw.frames[1]).toMatchObject({ msgId: Heartbeat.msgId, reqId: 9 })
    expect(raw.frames[1]!.flags & RESPONSE).toBe(RESPONSE)
    raw.send(0, Handshake.msgId, 2, handshake(srv.tokens.sign(5n, 60_000)))
    await until(() => raw.closed, 3000, 'close')
    expect(srv.edge.size).toBe(0)
  })

  it('releases a session whose unacknowledged backlog passes the bound, and refuses its resume', async () => {
    const ended: string[] = []
    srv = await startTestServer({ maxReplayBytes: 4096, onSessionEnd: (_s, r) => ended.push(r.code) })
    const raw = await RawTcp.open(srv.tcpUrl.port)
    raw.send(0, Handshake.msgId, 1, handshake(srv.tokens.sign(5n, 60_000)))
    await until(() => raw.frames.length === 1)
    const ok = HandshakeOk.decode(raw.frames[0]!.body)
    const s = srv.edge.list()[0]!
    // This peer never acknowledges: the 4 KiB bound is reached after ~40 pushes.
    let sent = 0
    while (s.state !== 'released' && sent < 1000) {
      s.push(ChatPush, ChatPush.create({ channel: 'x', messageId: BigInt(++sent), text: 'y'.repeat(64) }))
    }
    expect(sent).toBeLessThan(100)
    expect(ended).toEqual(['EDGE_RESUME_BUFFER_FULL'])
    await until(() => raw.closed, 3000, 'close')
    const kick = raw.frames.find((f) => f.msgId === Kick.msgId)
    expect(kick && Kick.decode(kick.body).reason).toBe(KickReason.KICK_SLOW_CONSUMER)
    const r = await rawHandshake(srv.wsUrl, {
      token: srv.tokens.sign(5n, 60_000),
      resume: { resumeToken: ok.resumeToken, lastReceivedSeq: 0n },
    })
    expect(r.error?.code).toBe(WireError.WIRE_RESUME_REFUSED)
  })

  it('refuses a resume by another user', async () => {
    srv = await startTestServer()
    const raw = await RawTcp.open(srv.tcpUrl.port)
    raw.send(0, Handshake.msgId, 1, handshake(srv.tokens.sign(5n, 60_000)))
    await until(() => raw.frames.length === 1)
    const ok = HandshakeOk.decode(raw.frames[0]!.body)
    raw.destroy()
    const r = await rawHandshake(srv.wsUrl, {
      token: srv.tokens.sign(6n, 60_000),
      resume: { resumeToken: ok.resumeToken, lastReceivedSeq: 0n },
    })
    expect(r.error?.code).toBe(WireError.WIRE_RESUME_REFUSED)
    expect(r.error?.message).toMatch(/another user/)
  })

  it('negotiation: refuses a client without encryption when it is required, and an unusable key', async () => {
    srv = await startTestServer({ encryption: 'required' })
    const token = srv.tokens.sign(5n, 60_000)
    const plain = await rawHandshake(srv.wsUrl, { token })
    expect(plain.error?.code).toBe(WireError.WIRE_NEGOTIATION_FAILED)
    expect(plain.error?.message).toMatch(/requires encryption/)
    const lowOrder = await rawHandshake(srv.wsUrl, {
      token,
      encryption: [1],
      keyPublic: new Uint8Array(32),
      nonce: new Uint8Array(32).fill(1),
    })
    expect(lowOrder.error?.code).toBe(WireError.WIRE_NEGOTIATION_FAILED)
    expect(srv.edge.size).toBe(0)
  })

  it('releases an encrypted session that receives a plaintext game frame', async () => {
    const ended: string[] = []
    srv = await startTestServer({ onSessionEnd: (_s, r) => ended.push(r.code) })
    const { ClientKeyExchange } = await import('@tessera/client')
    const kx = await ClientKeyExchange.create()
    const raw = await RawTcp.open(srv.tcpUrl.port)
    raw.send(
      0,
      Handshake.msgId,
      1,
      handshake(srv.tokens.sign(5n, 60_000), { encryption: [1], keyPublic: kx.publicKey, nonce: kx.nonce }),
    )
    await until(() => raw.frames.length === 1)
    expect(HandshakeOk.decode(raw.frames[0]!.body).encryption).toBe(1)
    raw.send(0, 1000, 2, new Uint8Array([10, 1, 65]))
    await until(() => raw.closed, 3000, 'close')
    expect(ended).toEqual(['EDGE_PROTOCOL_VIOLATION'])
    const kick = raw.frames.find((f) => f.msgId === Kick.msgId)
    expect(kick && Kick.decode(kick.body).reason).toBe(KickReason.KICK_PROTOCOL)
  })
})
