import { mkdir, open, readFile, rename } from 'node:fs/promises'
import path from 'node:path'
import { IdBadId, IdStoreCorrupt, IdStoreFailed } from './errors.js'
import { parseSnowflake } from './snowflake-layout.js'
import type { SnowflakeStore } from './snowflake-store.js'

const FORMAT = 'tessera-snowflake-mark'
const VERSION = 1

/**
 * A {@link SnowflakeStore} in one small JSON file, e.g.
 * `{"format":"tessera-snowflake-mark","version":1,"highWater":"123"}`.
 *
 * Saves are crash safe: write `<file>.tmp`, fsync it, rename it over the
 * file, fsync the directory (so the rename itself is durable). A crash at any
 * point leaves either the old or the new mark, never a torn file.
 *
 * - A missing file is a fresh start (`load()` resolves null).
 * - Anything else unreadable (bad JSON, wrong format, a mark that is not a
 *   canonical id) is `ID_STORE_CORRUPT` naming the file: guessing a fresh start
 *   there could reissue ids, so an operator must look.
 *
 * One file per generator; two processes sharing a file (or a machine id) is
 * a deployment error this store does not detect.
 */
export class FileSnowflakeStore implements SnowflakeStore {
  readonly file: string
  private readonly tmp: string
  // Saves are chained so two overlapping calls cannot interleave their
  // temp-file writes; the generator only has one in flight anyway.
  private queue: Promise<unknown> = Promise.resolve()

  constructor(file: string) {
    this.file = path.resolve(file)
    this.tmp = `${this.file}.tmp`
  }

  async load(): Promise<bigint | null> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw IdStoreFailed.with(
        { cause: err, details: { file: this.file } },
        `reading ${this.file}: ${msg(err)}`,
      )
    }
    return parseMarkFile(this.file, text)
  }

  save(highWater: bigint): Promise<void> {
    const run = this.queue.then(() => this.write(highWater))
    this.queue = run.catch(() => undefined)
    return run
  }

  private async write(highWater: bigint): Promise<void> {
    const body = `${JSON.stringify({ format: FORMAT, version: VERSION, highWater: highWater.toString() })}\n`
    try {
      const dir = path.dirname(this.file)
      await mkdir(dir, { recursive: true })
      const fh = await open(this.tmp, 'w', 0o644)
      try {
        await fh.writeFile(body, 'utf8')
        await fh.sync()
      } finally {
        await fh.close()
      }
      await rename(this.tmp, this.file)
      const dh = await open(dir, 'r')
      try {
        await dh.sync()
      } finally {
        await dh.close()
      }
    } catch (err) {
      throw IdStoreFailed.with(
        { cause: err, details: { file: this.file } },
        `saving ${this.file}: ${msg(err)}`,
      )
    }
  }
}

/** Parse the file's text; exported for the tests. */
export function parseMarkFile(file: string, text: string): bigint {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw IdStoreCorrupt.with({ cause: err, details: { file } }, file, `not JSON (${msg(err)})`)
  }
  if (typeof doc !== 'object' || doc === null) throw new IdStoreCorrupt(file, 'not a JSON object')
  const d = doc as Record<string, unknown>
  if (d.format !== FORMAT)
    throw new IdStoreCorrupt(file, `format is ${JSON.stringify(d.format)}, want ${FORMAT}`)
  if (d.version !== VERSION)
    throw new IdStoreCorrupt(file, `unsupported version ${JSON.stringify(d.version)}`)
  if (typeof d.highWater !== 'string') throw new IdStoreCorrupt(file, 'highWater is not a string')
  try {
    return parseSnowflake(d.highWater)
  } catch (err) {
    if (IdBadId.is(err)) throw IdStoreCorrupt.with({ cause: err, details: { file } }, file, err.message)
    throw err
  }
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
