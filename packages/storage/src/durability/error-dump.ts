import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs'
import { format } from 'mysql2'
import { encodeValue } from '../entity/index.js'

export interface ErrorDumpRecord {
  at: string
  table: string
  error: Record<string, unknown>
  /** The statement as sent, with its values inlined (paste into a client to retry by hand). */
  sql: string
  /** The same values, typed (bigints and buffers tagged). */
  params: string
}

/**
 * Statements the database refused (an SQL error, not a network failure),
 * one JSON object per line, fdatasync'ed. An operator reads, fixes and
 * replays them by hand; the storage never retries them.
 */
export class ErrorDump {
  private fd: number | undefined
  count = 0

  constructor(readonly path: string) {}

  append(
    table: string,
    sql: string,
    params: readonly unknown[],
    error: Record<string, unknown>,
    now: number,
  ): ErrorDumpRecord {
    const rec: ErrorDumpRecord = {
      at: new Date(now).toISOString(),
      table,
      error,
      sql: format(sql, params as Parameters<typeof format>[1]),
      params: encodeValue(params),
    }
    if (this.fd === undefined) this.fd = openSync(this.path, 'a')
    writeSync(this.fd, `${JSON.stringify(rec)}\n`)
    fdatasyncSync(this.fd)
    this.count++
    return rec
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}
