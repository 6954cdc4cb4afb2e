import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { crc32 } from 'node:zlib'
import { HEADER, MAX_RECORD } from './record-file.js'

/** One intact frame of a record file. */
export interface FrameRead {
  /** The payload bytes (a view into the reader's window: copy or decode before the next read). */
  payload: Buffer
  /** Byte offset of the frame's header in the file. */
  offset: number
  /** Header plus payload. */
  length: number
}

/** Bytes of a record file that do not form an intact frame. */
export interface UnreadableRange {
  offset: number
  length: number
  reason: string
}

export interface ReadFramesOptions {
  /** Bytes read per system call (default 1 MiB); the window grows only for a longer record. */
  chunkBytes?: number
  /** Start at this offset (the bytes before it were handled by an earlier pass). */
  from?: number
}

// Journal and dump payloads are JSON arrays or objects: a resync candidate
// must look like one before its checksum is computed.
const OPEN = new Set([0x5b, 0x7b])
const CLOSE = new Set([0x5d, 0x7d])

/**
 * Every frame of a record file, read in bounded chunks: memory is one
 * window (chunkBytes, or the longest record) whatever the file's size.
 *
 * A frame whose length or checksum does not hold is never misread: the
 * reader reports the bad bytes through `onUnreadable` and looks for the
 * next intact frame after them (a valid header, a JSON-looking payload and
 * a matching CRC-32), so one corrupt record in the middle costs only itself.
 * A torn tail (a crash in the middle of a write) is reported the same way.
 */
export function* readFrames(
  path: string,
  onUnreadable: (range: UnreadableRange) => void,
  opts: ReadFramesOptions = {},
): Generator<FrameRead, void, undefined> {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  try {
    const w = new Window(fd, fstatSync(fd).size, opts.chunkBytes ?? 1 << 20)
    let off = opts.from ?? 0
    while (off < w.size) {
      const len = w.frameAt(off)
      if (len >= 0) {
        yield { payload: w.view(off + HEADER, len), offset: off, length: HEADER + len }
        off += HEADER + len
        continue
      }
      const next = w.nextFrame(off + 1)
      const reason =
        next < 0
          ? off + HEADER > w.size
            ? 'torn tail: incomplete header'
            : 'torn or corrupt tail: no intact record after it'
          : 'corrupt record: bad length or checksum'
      const end = next < 0 ? w.size : next
      onUnreadable({ offset: off, length: end - off, reason })
      off = end
    }
  } finally {
    closeSync(fd)
  }
}

/** A sliding window over a file: only the bytes being looked at are in memory. */
class Window {
  private buf: Buffer
  /** File offset of buf[0]. */
  private start = 0
  /** Valid bytes in buf. */
  private filled = 0
  private readonly one = Buffer.alloc(1)

  constructor(
    private readonly fd: number,
    readonly size: number,
    chunk: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(chunk, Math.max(size, HEADER)))
  }

  /** Payload length of the intact frame at `off`, or -1. */
  frameAt(off: number): number {
    if (!this.has(off, HEADER)) return -1
    const len = this.u32(off)
    if (len > MAX_RECORD || !this.has(off, HEADER + len)) return -1
    const body = this.view(off + HEADER, len)
    return crc32(body) === this.u32(off + 4) ? len : -1
  }

  /** Offset of the next intact JSON-looking frame at or after `from`, or -1. */
  nextFrame(from: number): number {
    for (let off = from; off + HEADER + 2 <= this.size; off++) {
      if (!this.has(off, HEADER + 1)) return -1
      const len = this.u32(off)
      if (len < 2 || len > MAX_RECORD || off + HEADER + len > this.size) continue
      if (!OPEN.has(this.peek(off + HEADER)) || !CLOSE.has(this.peek(off + HEADER + len - 1))) continue
      if (this.frameAt(off) >= 0) return off
    }
    return -1
  }

  view(off: number, n: number): Buffer {
    const i = off - this.start
    return this.buf.subarray(i, i + n)
  }

  /** One byte, without moving the window when it lies outside. */
  private peek(off: number): number {
    if (off >= this.start && off < this.start + this.filled) return this.buf[off - this.start] as number
    readSync(this.fd, this.one, 0, 1, off)
    return this.one[0] as number
  }

  private u32(off: number): number {
    return this.buf.readUInt32LE(off - this.start)
  }

  /** Make [off, off + n) resident; false when the file ends before it. */
  private has(off: number, n: number): boolean {
    if (off + n > this.size) return false
    if (off >= this.start && off + n <= this.start + this.filled) return true
    // Refill from `off`, growing the buffer only for a record longer than a chunk.
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n)
    const want = Math.min(this.buf.length, this.size - off)
    let got = 0
    while (got < want) {
      const r = readSync(this.fd, this.buf, got, want - got, off + got)
      if (r === 0) break
      got += r
    }
    this.start = off
    this.filled = got
    return off + n <= this.start + this.filled
  }
}
