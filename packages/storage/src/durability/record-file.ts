import {
  closeSync,
  existsSync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs'
import { crc32 } from 'node:zlib'

/**
 * Append-only file of checksummed records, shared by the journal and the
 * dump file. Frame: u32 LE payload length, u32 LE CRC-32 of the payload,
 * payload (UTF-8 JSON). A crash can leave a torn last frame; reading stops
 * at the first frame whose length or checksum does not hold, so a torn tail
 * is dropped and never misread.
 */
export class RecordFile {
  private fd: number | undefined

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a')
  }

  /** Append records in one write; fdatasync when `sync`. */
  append(payloads: readonly string[], sync: boolean): void {
    this.writeRaw(frame(payloads), sync)
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

const HEADER = 8
const MAX_RECORD = 256 * 1024 * 1024

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

export interface ReadResult {
  records: string[]
  /** Bytes after the last good record (a torn or corrupt tail). */
  badTailBytes: number
}

/** Every intact record of a file (none if it does not exist). */
export function readRecords(path: string): ReadResult {
  if (!existsSync(path)) return { records: [], badTailBytes: 0 }
  const buf = readFileSync(path)
  const records: string[] = []
  let off = 0
  while (off + HEADER <= buf.length) {
    const len = buf.readUInt32LE(off)
    if (len > MAX_RECORD || off + HEADER + len > buf.length) break
    const body = buf.subarray(off + HEADER, off + HEADER + len)
    if (crc32(body) !== buf.readUInt32LE(off + 4)) break
    records.push(body.toString('utf8'))
    off += HEADER + len
  }
  return { records, badTailBytes: buf.length - off }
}
