import { connect, type Socket } from 'node:net'
import { type ClientFrame, decodeFrame, encodeFrame } from '@tessera/client'

/** A hand-driven TCP peer: length-prefixed frames in and out, everything recorded. */
export class RawTcp {
  readonly frames: ClientFrame[] = []
  closed = false
  private buf = Buffer.alloc(0)

  private constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d])
      while (this.buf.length >= 4) {
        const n = this.buf.readUInt32BE(0)
        if (this.buf.length < 4 + n) break
        const f = decodeFrame(new Uint8Array(this.buf.subarray(4, 4 + n)))
        if (f) this.frames.push({ ...f, body: f.body.slice() })
        this.buf = this.buf.subarray(4 + n)
      }
    })
    sock.on('close', () => {
      this.closed = true
    })
    sock.on('error', () => {})
  }

  static open(port: number): Promise<RawTcp> {
    return new Promise((res, rej) => {
      const s = connect({ host: '127.0.0.1', port }, () => res(new RawTcp(s)))
      s.once('error', rej)
    })
  }

  send(flags: number, msgId: number, reqId: number, body: Uint8Array): void {
    const f = encodeFrame(flags, msgId, reqId, body)
    const p = Buffer.allocUnsafe(4)
    p.writeUInt32BE(f.length)
    this.sock.write(Buffer.concat([p, f]))
  }

  /** Several frames in one write (they reach the server in one read, mid-chunk). */
  sendMany(frames: { flags: number; msgId: number; reqId: number; body: Uint8Array }[]): void {
    const parts: Uint8Array[] = []
    for (const f of frames) {
      const e = encodeFrame(f.flags, f.msgId, f.reqId, f.body)
      const p = Buffer.allocUnsafe(4)
      p.writeUInt32BE(e.length)
      parts.push(p, e)
    }
    this.sock.write(Buffer.concat(parts))
  }

  destroy(): void {
    this.sock.destroy()
  }
}
