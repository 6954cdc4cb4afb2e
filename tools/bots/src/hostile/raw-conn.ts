// A hand-driven connection to a gateway for hostile bots: frames exactly as
// the bot writes them (no SDK between), over TCP or WebSocket, from the
// hostile source address; records what the server answers and whether it
// cut the connection.
import net from 'node:net'
import { decodeFrame, encodeFrame, FrameFlag } from '@tessera/client'
import { ErrorReply, Handshake, HandshakeOk, SCHEMA_HASH, VersionStage } from '@tessera/protocol'
import WebSocket from 'ws'
import type { Stack } from '../net/transports.js'

export interface Answer {
  flags: number
  msgId: number
  reqId: number
  body: Uint8Array
}

const { RESPONSE, ERROR } = FrameFlag

/** The outcome name for a connection the server closed without an answer. */
export const CUT = 'CUT'

export class RawConn {
  readonly answers: Answer[] = []
  closed = false
  private waiters: (() => void)[] = []
  private buf = Buffer.alloc(0)
  private tcp: net.Socket | null = null
  private ws: WebSocket | null = null

  private constructor(readonly stack: Stack) {}

  /** Open to `url` (tcp://host:port or ws://...), from `localAddress` when given. */
  static open(url: string, localAddress: string | undefined, timeoutMs = 10_000): Promise<RawConn> {
    const u = new URL(url)
    const c = new RawConn(u.protocol === 'tcp:' ? 'tcp' : 'ws')
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        c.destroy()
        reject(new Error(`connect to ${url} timed out`))
      }, timeoutMs)
      const opened = () => {
        clearTimeout(t)
        resolve(c)
      }
      const failed = (err: Error) => {
        clearTimeout(t)
        c.markClosed()
        reject(err)
      }
      if (c.stack === 'tcp') {
        const s = net.connect({ host: u.hostname, port: Number(u.port), localAddress, noDelay: true })
        c.tcp = s
        s.once('connect', opened)
        s.once('error', failed)
        s.on('data', (d: Buffer) => c.onTcpData(d))
        s.on('close', () => c.markClosed())
        s.on('error', () => c.markClosed())
      } else {
        const ws = new WebSocket(url, localAddress === undefined ? {} : { localAddress })
        ws.binaryType = 'nodebuffer'
        c.ws = ws
        ws.once('open', opened)
        ws.once('error', failed)
        ws.on('message', (d: Buffer) => c.onFrame(d))
        ws.on('close', () => c.markClosed())
        ws.on('error', () => c.markClosed())
      }
    })
  }

  private onTcpData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d])
    while (this.buf.length >= 4) {
      const n = this.buf.readUInt32BE(0)
      if (this.buf.length < 4 + n) break
      this.onFrame(this.buf.subarray(4, 4 + n))
      this.buf = this.buf.subarray(4 + n)
    }
  }

  private onFrame(b: Buffer): void {
    const f = decodeFrame(new Uint8Array(b))
    if (f) this.answers.push({ ...f, body: f.body.slice() })
    this.wake()
  }

  private markClosed(): void {
    this.closed = true
    this.wake()
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  /** Send raw bytes as one frame's payload (TCP: with its length prefix, which may lie). */
  sendRaw(payload: Uint8Array, lengthPrefix = payload.length): void {
    if (this.closed) return
    if (this.tcp) {
      const p = Buffer.allocUnsafe(4)
      p.writeUInt32BE(lengthPrefix)
      this.tcp.write(Buffer.concat([p, payload]))
    } else this.ws?.send(payload)
  }

  send(flags: number, msgId: number, reqId: number, body: Uint8Array): void {
    this.sendRaw(encodeFrame(flags, msgId, reqId, body))
  }

  /** Stop reading (TCP: the server's writes back up, as a slow reader's do). */
  pauseReading(): void {
    this.tcp?.pause()
    ;(this.ws as unknown as { _socket?: net.Socket } | null)?._socket?.pause()
  }

  /** Wait until `cond` holds or the connection closes or `timeoutMs` passes. */
  async until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs
    while (!cond() && !this.closed) {
      const left = end - Date.now()
      if (left <= 0) return false
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 250))
        this.waiters.push(() => {
          clearTimeout(t)
          r()
        })
      })
    }
    return cond()
  }

  /**
   * The outcome of an attempt: the code of the first error answer after
   * `from`, CUT when the server closed the connection without one, or null
   * when neither happened within `timeoutMs`.
   */
  async outcome(from: number, timeoutMs: number): Promise<string | null> {
    const err = () => this.answers.slice(from).find((a) => (a.flags & ERROR) !== 0)
    await this.until(() => err() !== undefined, timeoutMs)
    const e = err()
    if (e) return ErrorReply.decode(e.body).name || `WIRE_${ErrorReply.decode(e.body).code}`
    return this.closed ? CUT : null
  }

  /** A plain handshake (no encryption, no compression) with a hand-off token. */
  async handshake(token: string, timeoutMs = 10_000): Promise<HandshakeOk | string> {
    const from = this.answers.length
    const hs = Handshake.create({
      version: { major: 1, minor: 0, revision: 0, stage: VersionStage.STAGE_RELEASE },
      schemaHash: Buffer.from(SCHEMA_HASH, 'hex'),
      token,
      clientKind: 'tessera-bot-hostile',
    })
    this.send(0, Handshake.msgId, 1, Handshake.encode(hs))
    await this.until(() => this.answers.length > from, timeoutMs)
    const a = this.answers[from]
    if (!a) return this.closed ? CUT : 'NO_ANSWER'
    if (a.flags & ERROR) return ErrorReply.decode(a.body).name
    if ((a.flags & RESPONSE) === 0 || a.msgId !== HandshakeOk.msgId) return `UNEXPECTED_${a.msgId}`
    return HandshakeOk.decode(a.body)
  }

  destroy(): void {
    this.tcp?.destroy()
    this.ws?.terminate()
    this.markClosed()
  }
}
