// Load generator for the edge echo benchmark (runs in the bench process):
// raw protocol speakers, each doing the real handshake (version, schema hash,
// HMAC login token, optional X25519 + AES-256-GCM), then keeping F Echo
// requests in flight; every response triggers the next request. Like the
// SDK they count the server's game frames and send a cumulative Ack after
// every 16 of them or 100 ms after the first unacknowledged one
// (docs/protocol.md §8.4), so the server's replay buffers stay trimmed.
// With `compress` they offer deflate-raw as the SDK does, compress requests
// at or above the negotiated threshold and inflate compressed responses.
import { connect, type Socket } from 'node:net'
import {
  Ack,
  Compression,
  createRegistry,
  Echo,
  ErrorReply,
  Handshake,
  HandshakeOk,
  SCHEMA_HASH,
  VersionStage,
} from '@tessera/protocol'
import { WebSocket } from 'ws'
import {
  createSessionCipher,
  generateKeyPair,
  generateNonce,
  MessageCodec,
  type SessionCipher,
} from '../../src/codec/index.js'
import { FrameFlag } from '../../src/net/index.js'
import type { Load } from '../net/load.js'

const ACK_EVERY = 16
const ACK_DELAY_MS = 100
const ENCRYPTION_X25519_AES_256_GCM = 1

export interface EdgeLoad extends Load {
  /** Error responses, kicks and closes seen since connecting (must stay 0). */
  failures(): string[]
  /** Acks sent by the clients (to check the path is exercised). */
  acksSent(): number
  /** Bytes the clients' sockets wrote and read so far (TCP stream bytes: stack framing included). */
  wireBytes(): { sent: number; received: number }
}

export interface EdgeLoadOptions {
  transport: 'tcp' | 'ws'
  port: number
  token: string
  /** One token per client (single-use hand-off tokens); client i uses tokens[i] ?? token. */
  tokens?: readonly string[]
  clients: number
  inFlight: number
  payload: number
  encrypt: boolean
  /**
   * Offer deflate-raw (the server must pick it) and compress requests like
   * the SDK: zlib's default level, at or above the negotiated threshold,
   * only when smaller. Compressed responses are inflated either way.
   */
  compress?: boolean
  /** The Echo payload (default: `payload` bytes of 'a'); each response must decode to as many bytes. */
  echoPayload?: Uint8Array
}

/** A frame (10-byte header + body), without any stack prefix. */
export function frame(flags: number, msgId: number, reqId: number, body: Uint8Array): Buffer {
  const f = Buffer.allocUnsafe(10 + body.length)
  f[0] = flags
  f[1] = 0
  f.writeUInt32BE(msgId, 2)
  f.writeUInt32BE(reqId, 6)
  f.set(body, 10)
  return f
}

interface Shared {
  codec: MessageCodec
  echoBody: Uint8Array
  /** The request body as sent when nothing is encrypted: compressed (or not) once, not per request. */
  clearRequest: { flags: number; body: Uint8Array } | null
  /** Check every response's decoded length against echoBody. */
  checkEcho: boolean
  got: number
  acks: number
  failures: string[]
}

/** One client's protocol state; the transport feeds it frames and sends what it returns. */
class EdgeClient {
  private inSeq = 0
  private acked = 0
  private nextReqId = 1
  private ackTimer: NodeJS.Timeout | null = null
  private cipher: SessionCipher | null = null
  private readonly keyPair = generateKeyPair()
  private readonly nonce = generateNonce()
  opened: ((err?: Error) => void) | null = null

  constructor(
    private readonly shared: Shared,
    private readonly encrypt: boolean,
    private readonly compress: boolean,
    private readonly sendNow: (f: Buffer) => void,
  ) {}

  handshakeFrame(token: string): Buffer {
    const hs = Handshake.create({
      version: { major: 1, minor: 0, revision: 0, stage: VersionStage.STAGE_RELEASE },
      schemaHash: Buffer.from(SCHEMA_HASH, 'hex'),
      token,
      encryption: this.encrypt ? [ENCRYPTION_X25519_AES_256_GCM] : [],
      compression: this.compress ? [Compression.COMPRESSION_DEFLATE_RAW, Compression.COMPRESSION_NONE] : [],
      keyPublic: this.encrypt ? this.keyPair.publicKey : new Uint8Array(0),
      nonce: this.nonce,
      clientKind: 'bench',
    })
    return frame(0, Handshake.msgId, 1, Handshake.encode(hs))
  }

  request(): Buffer {
    const reqId = this.nextReqId
    this.nextReqId = reqId === 0xffffffff ? 1 : reqId + 1
    const sh = this.shared
    if (this.cipher !== null) {
      const enc = sh.codec.seal(Echo.msgId, reqId, 0, sh.echoBody, this.cipher)
      return frame(enc.flags, Echo.msgId, reqId, enc.body)
    }
    if (sh.clearRequest === null) sh.clearRequest = sh.codec.seal(Echo.msgId, reqId, 0, sh.echoBody)
    const enc = sh.clearRequest
    return frame(enc.flags, Echo.msgId, reqId, enc.body)
  }

  /** Handle one frame from the server, pushing any frames to send onto `out`. */
  onFrame(f: Buffer, out: Buffer[]): void {
    const flags = f[0]!
    const msgId = f.readUInt32BE(2)
    const reqId = f.readUInt32BE(6)
    const body = f.subarray(10)
    if (this.opened !== null) {
      this.onHandshakeAnswer(flags, msgId, body)
      return
    }
    if (msgId < 1000) {
      // Acks of our requests need nothing (we keep no copies); a Kick ends the run.
      if (msgId === 5) this.shared.failures.push('kicked by the server')
      return
    }
    this.inSeq++
    if (flags & FrameFlag.ERROR) {
      this.shared.failures.push(`error response to request ${reqId}`)
      return
    }
    // Open (decrypt, inflate) like a real client would; only the length is checked.
    const bytes = this.shared.codec.open(flags, msgId, reqId, body, this.cipher ?? undefined)
    if (this.shared.checkEcho && bytes.length !== this.shared.echoBody.length)
      this.shared.failures.push(
        `response ${reqId}: ${bytes.length} bytes, sent ${this.shared.echoBody.length}`,
      )
    this.shared.got++
    if (this.inSeq - this.acked >= ACK_EVERY) out.push(this.ack())
    else if (this.ackTimer === null) this.ackTimer = setTimeout(() => this.sendNow(this.ack()), ACK_DELAY_MS)
    out.push(this.request())
  }

  close(): void {
    if (this.ackTimer !== null) clearTimeout(this.ackTimer)
    this.ackTimer = null
    this.cipher?.destroy()
  }

  private ack(): Buffer {
    if (this.ackTimer !== null) clearTimeout(this.ackTimer)
    this.ackTimer = null
    this.acked = this.inSeq
    this.shared.acks++
    return frame(0, Ack.msgId, 0, Ack.encode(Ack.create({ seq: BigInt(this.inSeq) })))
  }

  private onHandshakeAnswer(flags: number, msgId: number, body: Buffer): void {
    const done = this.opened!
    this.opened = null
    try {
      done(this.accept(flags, msgId, body))
    } catch (err) {
      done(err as Error)
    }
  }

  /** Check HandshakeOk and set up the cipher; an Error when the handshake failed. */
  private accept(flags: number, msgId: number, body: Buffer): Error | undefined {
    if (flags & FrameFlag.ERROR) {
      const e = ErrorReply.decode(body)
      return new Error(`handshake refused: ${e.name} ${e.message}`)
    }
    if (msgId !== HandshakeOk.msgId) return new Error(`expected HandshakeOk, got msg id ${msgId}`)
    const ok = HandshakeOk.decode(body)
    if ((ok.encryption === ENCRYPTION_X25519_AES_256_GCM) !== this.encrypt)
      return new Error(`server negotiated encryption ${ok.encryption}`)
    if ((ok.compression === Compression.COMPRESSION_DEFLATE_RAW) !== this.compress)
      return new Error(`server negotiated compression ${ok.compression}`)
    // Requests are packed by the shared codec, at its (default) threshold.
    if (this.compress && ok.compressThreshold !== this.shared.codec.compression.threshold)
      return new Error(
        `server's compression threshold is ${ok.compressThreshold}, the load generator's ${this.shared.codec.compression.threshold}`,
      )
    if (this.encrypt)
      this.cipher = createSessionCipher({
        role: 'client',
        keyPair: this.keyPair,
        peerPublicKey: ok.keyPublic,
        clientNonce: this.nonce,
        serverNonce: ok.nonce,
      })
    return undefined
  }
}

function tcpClient(
  o: EdgeLoadOptions,
  shared: Shared,
  token: string,
): Promise<{ c: EdgeClient; sock: Socket }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ port: o.port, host: '127.0.0.1', noDelay: true })
    const prefixed = (frames: Buffer[]): Buffer => {
      let n = 0
      for (const f of frames) n += 4 + f.length
      const b = Buffer.allocUnsafe(n)
      let off = 0
      for (const f of frames) {
        b.writeUInt32BE(f.length, off)
        f.copy(b, off + 4)
        off += 4 + f.length
      }
      return b
    }
    const c = new EdgeClient(shared, o.encrypt, o.compress === true, (f) => sock.write(prefixed([f])))
    let rest: Buffer | null = null
    sock.on('data', (chunk: Buffer) => {
      const buf = rest === null ? chunk : Buffer.concat([rest, chunk])
      const out: Buffer[] = []
      let off = 0
      while (buf.length - off >= 4) {
        const len = buf.readUInt32BE(off)
        if (buf.length - off - 4 < len) break
        c.onFrame(buf.subarray(off + 4, off + 4 + len), out)
        off += 4 + len
      }
      rest = off === buf.length ? null : buf.subarray(off)
      // Frames answering one read leave in one write, as the net echo bench's client does.
      if (out.length > 0) sock.write(prefixed(out))
    })
    sock.on('error', (err) => reject(err))
    sock.on('close', () => shared.failures.push('connection closed'))
    c.opened = (err) => (err ? reject(err) : resolve({ c, sock }))
    sock.once('connect', () => sock.write(prefixed([c.handshakeFrame(token)])))
  })
}

function wsClient(
  o: EdgeLoadOptions,
  shared: Shared,
  token: string,
): Promise<{ c: EdgeClient; ws: WebSocket; sock: Socket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${o.port}/`, { perMessageDeflate: false })
    ws.binaryType = 'nodebuffer'
    let sock: Socket | null = null
    // The upgrade response's socket is the connection's: its byte counters cover every WebSocket frame.
    ws.once('upgrade', (res) => {
      sock = res.socket as Socket
    })
    const c = new EdgeClient(shared, o.encrypt, o.compress === true, (f) => ws.send(f))
    ws.on('message', (data: Buffer) => {
      const out: Buffer[] = []
      c.onFrame(data, out)
      for (const f of out) ws.send(f)
    })
    ws.on('error', (err) => reject(err))
    ws.on('close', () => shared.failures.push('connection closed'))
    c.opened = (err) => (err ? reject(err) : resolve({ c, ws, sock: sock! }))
    ws.once('open', () => ws.send(c.handshakeFrame(token)))
  })
}

/** Connect and handshake every client, then start the echo traffic. */
export async function edgeLoad(o: EdgeLoadOptions): Promise<EdgeLoad> {
  const shared: Shared = {
    // Compression options left at their defaults: what the SDK's CompressionStream does (level 6).
    codec: new MessageCodec({ registry: createRegistry(), compression: o.compress ? {} : false }),
    echoBody: Echo.encode(Echo.create({ payload: o.echoPayload ?? Buffer.alloc(o.payload, 0x61) })),
    clearRequest: null,
    checkEcho: o.echoPayload !== undefined,
    got: 0,
    acks: 0,
    failures: [],
  }
  const conns: { c: EdgeClient; sock: Socket; close(): void; send(frames: Buffer[]): void }[] = []
  // Handshakes in bounded batches so X25519 work and accepts do not pile up at once.
  for (let i = 0; i < o.clients; i += 25) {
    const n = Math.min(25, o.clients - i)
    const batch = await Promise.all(
      Array.from({ length: n }, async (_v, k) => {
        const token = o.tokens?.[i + k] ?? o.token
        if (o.transport === 'tcp') {
          const { c, sock } = await tcpClient(o, shared, token)
          return {
            c,
            sock,
            close: () => sock.destroy(),
            send: (frames: Buffer[]) => {
              const parts: Buffer[] = []
              for (const f of frames) {
                const p = Buffer.allocUnsafe(4)
                p.writeUInt32BE(f.length)
                parts.push(p, f)
              }
              sock.write(Buffer.concat(parts))
            },
          }
        }
        const { c, ws, sock } = await wsClient(o, shared, token)
        return {
          c,
          sock,
          close: () => ws.terminate(),
          send: (frames: Buffer[]) => {
            for (const f of frames) ws.send(f)
          },
        }
      }),
    )
    conns.push(...batch)
  }
  for (const x of conns) x.send(Array.from({ length: o.inFlight }, () => x.c.request()))
  let closing = false
  return {
    received: () => shared.got,
    reset: () => {
      shared.got = 0
    },
    failures: () => (closing ? [] : shared.failures.slice()),
    acksSent: () => shared.acks,
    wireBytes: () => {
      let sent = 0
      let received = 0
      for (const x of conns) {
        sent += x.sock.bytesWritten
        received += x.sock.bytesRead
      }
      return { sent, received }
    },
    close: () => {
      closing = true
      for (const x of conns) {
        x.c.close()
        x.close()
      }
    },
  }
}
