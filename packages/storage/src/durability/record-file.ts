import { closeSync, fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs'
import { crc32 } from 'node:zlib'

/**
 * Append-only file of checksummed records, shared by the journal and the
 * dump file. Frame: u32 LE payload length, u32 LE CRC-32 of the payload,
 * payload (UTF-8 JSON). A crash can leave a torn last frame; the reader
 * ({@link readFrames} in record-reader.ts) reports any frame whose length or
 * checksum does not hold instead of misreading it.
 */
export class RecordFile {
  private fd: number | undefined

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a')
  }

  /** Append records in one write; fdatasync when `sync`. Returns the bytes written. */
  append(payloads: readonly string[], sync: boolean): number {
    const buf = frame(payloads)
    this.writeRaw(buf, sync)
    return buf.length
  }

  /** Append bytes already framed by {@link frame}. */
  writeRaw(buf: Buffer, sync: boolean): void {
    const fd = this.open()
    let off = 0
    while (off < buf.length) off += writeSync(fd, buf, off)
    if (sync) fdatasyncSync(fd)
  }

  sync(): void {
    fdatasyncSync(this.open())
  }

  /** Empty the file durably (after its records all landed). */
  truncate(): void {
    const fd = this.open()
    ftruncateSync(fd, 0)
    fdatasyncSync(fd)
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }

  private open(): number {
    if (this.fd === undefined) throw new Error(`record file ${this.path} is closed`)
    return this.fd
  }
}

/** Bytes before each payload: u32 LE length, u32 LE CRC-32. */
export const HEADER = 8
/** Longest payload a reader accepts; a longer length field is corruption. */
export const MAX_RECORD = 256 * 1024 * 1024

/** Frame payloads into one buffer. */
export function frame(payloads: readonly string[]): Buffer {
  let total = 0
  const bodies = payloads.map((p) => {
    const b = Buffer.from(p, 'utf8')
    total += HEADER + b.length
    return b
  })
  const out = Buffer.allocUnsafe(total)
  let off = 0
  for (const b of bodies) {
    out.writeUInt32LE(b.length, off)
    out.writeUInt32LE(crc32(b), off + 4)
    b.copy(out, off + HEADER)
    off += HEADER + b.length
  }
  return out
}
