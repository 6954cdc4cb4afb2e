// Process-wide slab that TCP connections encode outbound frames into while
// they parse one read (see TcpConnection): the replies to one read leave as
// ONE contiguous buffer in one socket.write, instead of one Buffer, one
// stream write and one iovec per frame. Like Node's own Buffer pool, bytes
// handed to a write are never reused: when the slab is full a new one is
// allocated and the old one lives until its last write completes. A socket
// that stops reading thus keeps at most the one slab of its first unfinished
// write alive (later batches to a backed-up socket are copied out, see
// TcpConnection), as Node's 8 KiB pool does for plain writes.

/** Slab size: a read's replies (typically < 4 KiB) rarely straddle two, and a stuck socket pins little. */
export const SLAB_BYTES = 16 * 1024
/** Frames larger than this skip the slab (they would waste most of it). */
export const SLAB_FRAME_MAX = SLAB_BYTES / 4

export class OutSlab {
  buf: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES)
  /** `buf.buffer`, kept: reading `.buffer` is a slow runtime call, made once per slab instead of per write. */
  ab: ArrayBuffer = this.buf.buffer as ArrayBuffer
  /** First free byte. */
  pos = 0

  /** Leave the bytes before `pos` to the writes holding them and start a fresh slab. */
  renew(): void {
    this.buf = Buffer.allocUnsafeSlow(SLAB_BYTES)
    this.ab = this.buf.buffer as ArrayBuffer
    this.pos = 0
  }

  /** After a batch was handed to a write: keep the next batch 8-byte aligned. */
  seal(): void {
    this.pos = (this.pos + 7) & ~7
    if (this.pos >= SLAB_BYTES - 64) this.renew()
  }
}

/** The one slab of this process; only the connection whose read is being parsed writes into it. */
export const outSlab = new OutSlab()
