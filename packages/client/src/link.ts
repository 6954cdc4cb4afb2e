import { FrameFlag, headerBytes, isGameMsgId } from '@tessera/protocol/client'
import { deflateRaw, inflateRaw } from './compress.js'
import { encodeFrame } from './frame.js'
import type { ClientSocket } from './socket.js'
import type { ClientKeyExchange, WebCipher } from './web-cipher.js'

export type LinkPhase = 'opening' | 'handshake' | 'open' | 'dead'

/**
 * One socket's worth of state: what the handshake negotiated (compression,
 * cipher) and the two ordered pipelines. Bodies are transformed
 * asynchronously (WebCrypto, CompressionStream), so each direction runs
 * as a promise chain: frames leave and are handled in exactly the order
 * they were queued, which the cipher's counters and the sequence numbers
 * both need.
 */
export class Link {
  phase: LinkPhase = 'opening'
  sock: ClientSocket | null = null
  keyExchange: ClientKeyExchange | null = null
  cipher: WebCipher | null = null
  compressThreshold = 0
  compress = false
  /** Every frame is sealed both ways, control frames included (HandshakeOk.seal_all). */
  sealAll = false
  /** The Handshake body as sent (the server signs its digest). */
  handshakeBytes: Uint8Array | null = null
  handshakeReqId = 0
  lastRecvAt = Date.now()
  heartbeatTimer: ReturnType<typeof setInterval> | null = null
  private outChain: Promise<void> = Promise.resolve()
  private inChain: Promise<void> = Promise.resolve()
  private onSocketClosed: (() => void) | null = null

  constructor(
    readonly gen: number,
    private readonly maxInflated: number,
    private readonly onPipelineError: (link: Link, err: unknown) => void,
  ) {}

  get alive(): boolean {
    return this.phase !== 'dead'
  }

  /**
   * Queue a frame. Game frames are compressed above the threshold; they are
   * sealed when a cipher is set, and so are control frames (msgId < 1000)
   * once the handshake agreed to seal_all (docs/protocol.md).
   */
  write(flags: number, msgId: number, reqId: number, body: Uint8Array): void {
    this.outChain = this.outChain
      .then(async () => {
        if (!this.alive || this.sock === null) return
        let f = flags
        let b = body
        if (isGameMsgId(msgId)) {
          if (this.compress && b.length >= this.compressThreshold && this.compressThreshold > 0) {
            const packed = await deflateRaw(b)
            if (packed.length < b.length) {
              b = packed
              f |= FrameFlag.COMPRESSED
            }
          }
        }
        if (this.cipher !== null && (this.sealAll || isGameMsgId(msgId))) {
          f |= FrameFlag.ENCRYPTED
          b = await this.cipher.seal(headerBytes(f, msgId, reqId), b)
        }
        if (this.alive && this.sock !== null) this.sock.send(encodeFrame(f, msgId, reqId, b))
      })
      .catch((err) => this.onPipelineError(this, err))
  }

  /** Queue an inbound frame's handling after the ones before it. */
  receive(task: () => Promise<void> | void): void {
    this.inChain = this.inChain
      .then(() => (this.alive ? task() : undefined))
      .catch((err) => this.onPipelineError(this, err))
  }

  /** Decrypt and inflate a received body according to its flags. */
  async openBody(flags: number, msgId: number, reqId: number, body: Uint8Array): Promise<Uint8Array> {
    let b = body
    if (flags & FrameFlag.ENCRYPTED) {
      if (this.cipher === null) throw new Error(`encrypted frame (msg id ${msgId}) without a key`)
      b = await this.cipher.open(headerBytes(flags, msgId, reqId), b)
    } else if (this.cipher !== null && (this.sealAll || isGameMsgId(msgId))) {
      // Forged or injected: nothing unauthenticated is acted on (the link is dropped and resumes).
      throw new Error(`plaintext frame (msg id ${msgId}) on an encrypted session`)
    }
    if (flags & FrameFlag.COMPRESSED) b = await inflateRaw(b, this.maxInflated)
    return b
  }

  kill(): void {
    this.stop()?.close()
  }

  /**
   * Close after one last control frame (reqId 0, in clear). The link is
   * dead at once (nothing else is sent or handled), but the socket stays up
   * until the peer closes it or `waitMs` passes: closing it locally right
   * after the write could lose the frame (a TCP reset discards it). Best
   * effort: resolves either way.
   */
  farewell(msgId: number, body: Uint8Array, waitMs: number): Promise<void> {
    const cipher = this.sealAll ? this.cipher : null
    const s = this.stop()
    if (s === null) return Promise.resolve()
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer)
        this.onSocketClosed = null
        s.close()
        resolve()
      }
      const timer = setTimeout(finish, waitMs)
      this.onSocketClosed = finish
      // After whatever is mid-write, so the frame stream stays whole (and the cipher's counters in order).
      this.outChain = this.outChain
        .then(async () => {
          const b = cipher ? await cipher.seal(headerBytes(FrameFlag.ENCRYPTED, msgId, 0), body) : body
          s.send(encodeFrame(cipher ? FrameFlag.ENCRYPTED : 0, msgId, 0, b))
        })
        .catch(finish)
    })
  }

  /** The socket reported its close (it fires once per socket). */
  socketClosed(): void {
    this.onSocketClosed?.()
  }

  private stop(): ClientSocket | null {
    this.phase = 'dead'
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer)
    this.heartbeatTimer = null
    const s = this.sock
    this.sock = null
    return s
  }
}
