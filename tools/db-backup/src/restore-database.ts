import { createReadStream, statSync } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { escapeId } from 'mysql2'
import type { Connection } from 'mysql2/promise'
import { SqlSplitter } from './sql-splitter.js'

export interface RestoreProgress {
  /** Compressed bytes read of the file. */
  bytes: number
  totalBytes: number
  statements: number
}

export interface RestoreOptions {
  conn: Connection
  file: string
  /** Database to restore into (created if missing). Default: the name the file was dumped from. */
  database?: string
  onProgress?: (p: RestoreProgress) => void
}

const HEADER = /^-- tessera db-backup of `((?:[^`]|``)+)`/

/**
 * Load a file written by dumpDatabase into a database, streaming: gunzip,
 * split into statements, run them one by one on `conn`. Tables in the file
 * replace the ones of the same name; others are left alone.
 */
export async function restoreDatabase(
  opts: RestoreOptions,
): Promise<{ database: string; statements: number }> {
  const { conn } = opts
  const totalBytes = statSync(opts.file).size
  const raw = createReadStream(opts.file)
  let bytes = 0
  raw.on('data', (c) => {
    bytes += c.length
  })
  const text = raw.pipe(createGunzip())
  text.setEncoding('utf8')
  const splitter = new SqlSplitter()
  let database = opts.database
  let statements = 0
  let first = true
  let lastReport = 0
  for await (const chunk of text as AsyncIterable<string>) {
    if (first) {
      first = false
      const m = HEADER.exec(chunk)
      database ??= m?.[1]?.replace(/``/g, '`')
      if (!database) throw new Error(`${opts.file}: not a tessera db-backup file and no --database given`)
      await conn.query(
        `CREATE DATABASE IF NOT EXISTS ${escapeId(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      )
      await conn.query(`USE ${escapeId(database)}`)
    }
    for (const stmt of splitter.push(chunk)) {
      await conn.query(stmt)
      statements++
      if (opts.onProgress && (statements - lastReport >= 50 || bytes === totalBytes)) {
        lastReport = statements
        opts.onProgress({ bytes, totalBytes, statements })
      }
    }
  }
  const rest = splitter.end()
  if (rest) {
    await conn.query(rest)
    statements++
  }
  opts.onProgress?.({ bytes, totalBytes, statements })
  return { database: database as string, statements }
}
