// The smallest client the capacity bench needs, over binary TCP: the real
// edge handshake (version, schema hash, HMAC login token, no encryption),
// client heartbeats (a Heartbeat request the server answers on its
// priority lane), Echo requests and a cumulative Ack every 16 game frames
// (docs/protocol.md §8.4) so the server's replay buffer stays trimmed. Kept
// lean on purpose: one process holds up to ~17,000 of them.
import { connect, type Socket } from 'node:net'
import { Ack, Echo, ErrorReply, Handshake, HandshakeOk, SCHEMA_HASH, VersionStage } from '@tessera/protocol'
import { Heartbeat } from '@tessera/wire'
import { FrameFlag } from '../../src/net/index.js'

/** The bench's shared token secret (server and clients sign / verify with it). */
export const CAPACITY_SECRET = 'tessera-capacity-secret-0123456789abcdef'
const ACK_EVERY = 16

/** A length-prefixed frame: 4-byte length, 10-byte header, body. */
export function tcpFrame(flags: number, msgId: number, reqId: number, body: Uint8Array): Buffer {
  const f = Buffer.allocUnsafe(14 + body.length)
  f.writeUInt32BE(10 + body.length, 0)
  f[4] = flags
  f[5] = 0
  f.writeUInt32BE(msgId, 6)
  f.writeUInt32BE(reqId, 10)
  f.set(body, 14)
  return f
}

function handshakeFrame(token: string): Buffer {
  const hs = Handshake.create({
    version: { major: 1, minor: 0, revision: 0, stage: VersionStage.STAGE_RELEASE },
    schemaHash: Buffer.from(SCHEMA_HASH, 'hex'),
    token,
    encryption: [],
    keyPublic: new Uint8Array(0),
    nonce: new Uint8Array(16),
    clientKind: 'bench',
  })
  return tcpFrame(0, Handshake.msgId, 1, Handshake.encode(hs))
}

const HEARTBEAT = tcpFrame(0, Heartbeat.msgId, 0, new Uint8Array(0))

export interface LeanClientEvents {
  /** Handshake answered (err when refused). */
  onOpen(err?: Error): void
  /** A heartbeat answer arrived. */
  onHeartbeat(): void
  /** An Echo response arrived for reqId. */
  onEcho(reqId: number): void
  /** The connection closed (after or before the handshake). */
  onClose(): void
}

/** One client connection. */
export class LeanClient {
  private readonly sock: Socket
  private rest: Buffer | null = null
  private open = false
  private settled = false
  private inSeq = 0
  private acked = 0
  private nextReqId = 1
  closed = false

  constructor(
    port: number,
    localAddress: string | undefined,
    token: string,
    private readonly ev: LeanClientEvents,
  ) {
    this.sock = connect({ port, host: '127.0.0.1', localAddress, noDelay: true })
    this.sock.once('connect', () => this.sock.write(handshakeFrame(token)))
    this.sock.on('data', (c: Buffer) => this.onData(c))
    this.sock.on('error', () => {})
    this.sock.on('close', () => {
      this.closed = true
      this.open = false
      this.settle(new Error('closed before HandshakeOk'))
      ev.onClose()
    })
  }

  heartbeat(): void {
    if (this.open) this.sock.write(HEARTBEAT)
  }

  /** Send one Echo request; returns its reqId. */
  echo(body: Uint8Array): number {
    const reqId = this.nextReqId++
    this.sock.write(tcpFrame(0, Echo.msgId, reqId, body))
    return reqId
  }

  destroy(): void {
    this.sock.destroy()
  }

  private settle(err?: Error): void {
    if (this.settled) return
    this.settled = true
    this.ev.onOpen(err)
  }

  private onData(chunk: Buffer): void {
    const buf = this.rest === null ? chunk : Buffer.concat([this.rest, chunk])
    let off = 0
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off)
      if (buf.length - off - 4 < len) break
      this.onFrame(buf.subarray(off + 4, off + 4 + len))
      off += 4 + len
    }
    this.rest = off === buf.length ? null : buf.subarray(off)
  }

  private onFrame(f: Buffer): void {
    const flags = f[0]!
    const msgId = f.readUInt32BE(2)
    const reqId = f.readUInt32BE(6)
    if (!this.open) {
      if (flags & FrameFlag.ERROR) {
        const e = ErrorReply.decode(f.subarray(10))
        this.settle(new Error(`handshake refused: ${e.name} ${e.message}`))
        this.sock.destroy()
        return
      }
      if (msgId !== HandshakeOk.msgId) {
        this.settle(new Error(`expected HandshakeOk, got msg id ${msgId}`))
        this.sock.destroy()
        return
      }
      this.open = true
      this.settle()
      return
    }
    if (msgId === Heartbeat.msgId) {
      this.ev.onHeartbeat()
      return
    }
    if (msgId < 1000) return // Acks of our requests, a Kick (the close follows)
    this.inSeq++
    if (this.inSeq - this.acked >= ACK_EVERY) {
      this.acked = this.inSeq
      this.sock.write(tcpFrame(0, Ack.msgId, 0, Ack.encode(Ack.create({ seq: BigInt(this.inSeq) }))))
    }
    if (msgId === Echo.msgId) this.ev.onEcho(reqId)
  }
}
