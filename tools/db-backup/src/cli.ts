#!/usr/bin/env node
// tessera-db-backup: dump a database to <db>-<timestamp>.sql.gz, or restore one.
//
//   tessera-db-backup dump --url mysql://root@127.0.0.1:3306 --database logic_3 --out-dir backups/
//   tessera-db-backup restore --url mysql://root@127.0.0.1:3306 --file backups/logic_3-20260101T120000Z.sql.gz [--database logic_3_copy]
//
// --url defaults to $MYSQL_URL. Progress goes to stderr, the result (file
// name or database) to stdout. Uses mysql2 and zlib only: no mysqldump needed.
import { mkdirSync, realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { type Connection, createConnection } from 'mysql2/promise'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { dumpDatabase } from './dump-database.js'
import { restoreDatabase } from './restore-database.js'

async function connect(url: string): Promise<Connection> {
  const u = new URL(url)
  return createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    decimalNumbers: false,
  })
}

export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
}

export async function runCli(
  argv: string[],
  io: CliIo = { out: console.log, err: (l) => process.stderr.write(`${l}\n`) },
): Promise<void> {
  const url = {
    type: 'string',
    default: process.env.MYSQL_URL,
    describe: 'mysql://user:pass@host:port',
  } as const
  await yargs(argv)
    .scriptName('tessera-db-backup')
    .command(
      'dump',
      'dump a database to <db>-<timestamp>.sql.gz',
      (y) =>
        y
          .option('url', url)
          .option('database', { type: 'string', demandOption: true })
          .option('out-dir', { type: 'string', default: '.' }),
      async (a) => {
        if (!a.url) throw new Error('--url (or MYSQL_URL) is required')
        mkdirSync(a['out-dir'], { recursive: true })
        const conn = await connect(a.url)
        let last = 0
        try {
          const r = await dumpDatabase({
            conn,
            database: a.database,
            outDir: a['out-dir'],
            onProgress: (p) => {
              const now = Date.now()
              if (now - last < 500) return
              last = now
              const pct =
                p.estimatedRows > 0
                  ? ` (~${Math.min(100, Math.round((100 * p.rows) / p.estimatedRows))}%)`
                  : ''
              io.err(`dump ${a.database}: ${p.table} ${p.tableRows} rows, ${p.rows} total${pct}`)
            },
          })
          io.err(`dump ${a.database}: ${r.tables} tables, ${r.rows} rows, ${r.bytes} bytes`)
          io.out(r.file)
        } finally {
          await conn.end()
        }
      },
    )
    .command(
      'restore',
      'restore a dump file',
      (y) =>
        y
          .option('url', url)
          .option('file', { type: 'string', demandOption: true })
          .option('database', { type: 'string', describe: 'target database (default: the dumped one)' }),
      async (a) => {
        if (!a.url) throw new Error('--url (or MYSQL_URL) is required')
        const conn = await connect(a.url)
        let last = 0
        try {
          const r = await restoreDatabase({
            conn,
            file: a.file,
            database: a.database,
            onProgress: (p) => {
              const now = Date.now()
              if (now - last < 500 && p.bytes < p.totalBytes) return
              last = now
              io.err(
                `restore: ${Math.round((100 * p.bytes) / Math.max(1, p.totalBytes))}% (${p.statements} statements)`,
              )
            },
          })
          io.out(r.database)
        } finally {
          await conn.end()
        }
      },
    )
    .demandCommand(1)
    .strict()
    .fail((msg, err) => {
      throw err ?? new Error(msg)
    })
    .parseAsync()
}

/** Whether this module is the process's entry point, also when started through a symlink (deploy's `current`). */
function isMain(): boolean {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? '')).href
  } catch {
    return false
  }
}

if (isMain()) {
  runCli(hideBin(process.argv)).catch((err: unknown) => {
    console.error((err as Error).message)
    process.exit(1)
  })
}
