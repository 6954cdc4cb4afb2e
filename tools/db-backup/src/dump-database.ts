import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { escapeId, escape as sqlEscape } from 'mysql2'
import type { Connection, RowDataPacket } from 'mysql2/promise'

export interface Progress {
  table: string
  tableRows: number
  /** Rows written so far, all tables. */
  rows: number
  /** Row estimate from information_schema (InnoDB's is approximate). */
  estimatedRows: number
}

export interface DumpOptions {
  /** An open connection (any current database). */
  conn: Connection
  database: string
  outDir: string
  /** Clock for the file name. */
  now?: Date
  /** Target size of one INSERT statement. Default 1 MiB. */
  statementBytes?: number
  onProgress?: (p: Progress) => void
}

export interface DumpResult {
  file: string
  tables: number
  rows: number
  bytes: number
}

/** `logic_3-20260101T120000Z.sql.gz` */
export function backupFileName(database: string, now: Date): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return `${database}-${ts}.sql.gz`
}

/**
 * Stream every table of `database` (schema, then rows as multi-row
 * INSERTs) into a gzip'ed SQL file that `restoreDatabase` (or the mariadb
 * client) loads back. Rows are streamed, never held all in memory; values
 * keep their exact form (bigints and decimals as strings, binary as hex).
 */
export async function dumpDatabase(opts: DumpOptions): Promise<DumpResult> {
  const { conn, database } = opts
  const file = path.join(opts.outDir, backupFileName(database, opts.now ?? new Date()))
  const limit = opts.statementBytes ?? 1 << 20
  const [tables] = await conn.query<RowDataPacket[]>(
    "SELECT TABLE_NAME AS t, COALESCE(TABLE_ROWS, 0) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [database],
  )
  const estimatedRows = tables.reduce((a, r) => a + Number(r.n), 0)
  const text = new PassThrough()
  const gzip = createGzip()
  const sink = createWriteStream(file, { flags: 'wx' })
  const done = pipeline(text, gzip, sink)
  const write = async (s: string) => {
    if (!text.write(s)) await once(text, 'drain')
  }
  await write(`-- tessera db-backup of ${escapeId(database)} at ${new Date().toISOString()}\n`)
  await write('SET NAMES utf8mb4;\nSET FOREIGN_KEY_CHECKS = 0;\nSET UNIQUE_CHECKS = 0;\n')
  let rows = 0
  for (const t of tables) {
    const table = String(t.t)
    const id = `${escapeId(database)}.${escapeId(table)}`
    const [[create]] = (await conn.query<RowDataPacket[]>(`SHOW CREATE TABLE ${id}`)) as unknown as [
      RowDataPacket[],
    ]
    await write(`\nDROP TABLE IF EXISTS ${escapeId(table)};\n${String(create?.['Create Table'])};\n`)
    const [cols] = await conn.query<RowDataPacket[]>(
      'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [database, table],
    )
    const head = `INSERT INTO ${escapeId(table)} (${cols.map((c) => escapeId(String(c.c))).join(',')}) VALUES `
    let stmt = ''
    let tableRows = 0
    // The callback API's row stream: one row at a time, with backpressure.
    // Binary protocol (execute), because the text protocol prints DOUBLE
    // with too few digits to round-trip (90.28571428571429 comes back as
    // ...28); binary sends the IEEE bits and JS prints the shortest exact form.
    const core = (
      conn as unknown as {
        connection: { execute(o: object): { stream(o: object): AsyncIterable<unknown[]> } }
      }
    ).connection
    const stream = core
      .execute({ sql: `SELECT * FROM ${id}`, rowsAsArray: true })
      .stream({ highWaterMark: 256 })
    for await (const row of stream) {
      const tuple = `(${row.map((v) => sqlEscape(v as never)).join(',')})`
      stmt = stmt ? `${stmt},${tuple}` : head + tuple
      tableRows++
      rows++
      if (stmt.length >= limit) {
        await write(`${stmt};\n`)
        stmt = ''
        opts.onProgress?.({ table, tableRows, rows, estimatedRows })
      }
    }
    if (stmt) await write(`${stmt};\n`)
    opts.onProgress?.({ table, tableRows, rows, estimatedRows })
  }
  await write('\nSET FOREIGN_KEY_CHECKS = 1;\nSET UNIQUE_CHECKS = 1;\n')
  text.end()
  await done
  return { file, tables: tables.length, rows, bytes: sink.bytesWritten }
}
