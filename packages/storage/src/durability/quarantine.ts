import { closeSync, fdatasyncSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs'
import path from 'node:path'

/** One piece of a journal or dump file that could not be used, kept for an operator. */
export interface QuarantineEntry {
  at: string
  /** The file the bytes came from. */
  source: string
  /** Their byte offset in it. */
  offset: number
  length: number
  reason: string
  /** File under the quarantine directory holding the bytes as they were. */
  file: string
}

/**
 * Where unreadable records go instead of being dropped: each range of bad
 * bytes is copied as is to `<dir>/<source>@<offset>.<time>.bin` and listed
 * in `<dir>/index.log` (one JSON object per line), before the journal
 * segment or dump file holding it is deleted. The storage never reads the
 * quarantine again; an operator inspects it (see docs/storage.md).
 */
export class Quarantine {
  /** Ranges kept since start. */
  count = 0

  constructor(
    readonly dir: string,
    private readonly now: () => number,
    /** Told of every range kept (the storage logs it and raises an alert). */
    private readonly onKept: (entry: QuarantineEntry) => void,
  ) {}

  /** Copy `length` bytes at `offset` of `source` into the quarantine. */
  keep(source: string, offset: number, length: number, reason: string): QuarantineEntry {
    mkdirSync(this.dir, { recursive: true })
    const at = new Date(this.now()).toISOString()
    const file = `${path.basename(source)}@${offset}.${at.replace(/[:.]/g, '')}.bin`
    copyRange(source, offset, length, path.join(this.dir, file))
    const entry: QuarantineEntry = { at, source, offset, length, reason, file }
    const fd = openSync(path.join(this.dir, 'index.log'), 'a')
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`)
      fdatasyncSync(fd)
    } finally {
      closeSync(fd)
    }
    this.count++
    this.onKept(entry)
    return entry
  }
}

function copyRange(source: string, offset: number, length: number, target: string): void {
  const buf = Buffer.allocUnsafe(Math.min(length, 1 << 20))
  const src = openSync(source, 'r')
  const dst = openSync(target, 'wx')
  try {
    let done = 0
    while (done < length) {
      const n = readSync(src, buf, 0, Math.min(buf.length, length - done), offset + done)
      if (n === 0) break
      let w = 0
      while (w < n) w += writeSync(dst, buf, w, n - w)
      done += n
    }
    fdatasyncSync(dst)
  } finally {
    closeSync(src)
    closeSync(dst)
  }
}
