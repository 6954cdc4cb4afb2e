import type { TesseraError } from '../../errors/index.js'
import { NetFrameTooLarge, NetFrameTooSmall } from '../errors.js'
import { HEADER_BYTES } from '../frame-header.js'

/**
 * Splits a TCP byte stream into frames, each preceded by a 4-byte big-endian
 * length. A state machine (length bytes → body) that consumes only the bytes
 * it was given, checks the length against the current maximum before
 * allocating anything, and hands out frames that lie whole inside one chunk
 * as ranges of it (no copy, no view object). Only a frame split across chunks gets its own
 * buffer. No per-parser buffers exist between frames.
 *
 * Subclass and implement {@link emitFrame}; the TCP connection does, so a
 * connection and its parser are one object.
 */
export abstract class LengthPrefixParser {
  maxFrameBytes: number
  /** Set by the owner to stop parsing the rest of a chunk (connection destroyed). */
  protected halted = false
  private lenBytes = 0
  private len = 0
  private body: Uint8Array | null = null
  private fill = 0

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes
  }

  /** A whole frame at `buf[start, end)` (a read chunk, or its own buffer when it spanned chunks). */
  protected abstract emitFrame(buf: Uint8Array, start: number, end: number): void

  /** True while a frame has been started but not finished (peer vanishing now is mid-frame). */
  get midFrame(): boolean {
    return this.lenBytes > 0
  }

  /**
   * Feed a chunk. Returns the error to close with, or null. Frames are handed
   * out as ranges of the chunk as given: a plain Uint8Array chunk (what the
   * TCP connection passes) lets the decoders take their fast paths.
   */
  push(chunk: Uint8Array): TesseraError | null {
    const n = chunk.length
    let off = 0
    while (off < n && !this.halted) {
      const body = this.body
      if (body !== null) {
        const take = Math.min(this.len - this.fill, n - off)
        body.set(chunk.subarray(off, off + take), this.fill)
        this.fill += take
        off += take
        if (this.fill === this.len) {
          this.reset()
          this.emitFrame(body, 0, body.length)
        }
        continue
      }
      if (this.lenBytes === 0 && n - off >= 4) {
        this.len =
          ((chunk[off]! << 24) | (chunk[off + 1]! << 16) | (chunk[off + 2]! << 8) | chunk[off + 3]!) >>> 0
        this.lenBytes = 4
        off += 4
      } else {
        this.len = this.len * 256 + chunk[off]!
        this.lenBytes++
        off++
        if (this.lenBytes < 4) continue
      }
      const len = this.len
      if (len > this.maxFrameBytes) return new NetFrameTooLarge(len, this.maxFrameBytes)
      if (len < HEADER_BYTES) return new NetFrameTooSmall(len)
      if (n - off >= len) {
        const start = off
        off += len
        this.reset()
        this.emitFrame(chunk, start, off)
      } else {
        const b = new Uint8Array(len)
        const take = n - off
        b.set(chunk.subarray(off, n))
        this.body = b
        this.fill = take
        off = n
      }
    }
    return null
  }

  private reset(): void {
    this.lenBytes = 0
    this.len = 0
    this.body = null
    this.fill = 0
  }
}
