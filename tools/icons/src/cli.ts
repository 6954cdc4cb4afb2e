#!/usr/bin/env node
// tessera-icons: the icon catalogue (a folder of PNG files plus icons.json)
// → the generated TypeScript enum, the catalogue hash and database rows.
//
//   tessera-icons build [--check]          write (or verify) the generated enum module
//   tessera-icons hash [--json]            print the catalogue hash (and icon count)
//   tessera-icons sql [--out FILE]         print (or write) the SQL script that loads the rows
//   tessera-icons apply --url mysql://root@127.0.0.1:3306 --database logic_1
//
// --dir defaults to tools/icons/sample, --module to
// packages/constants/src/generated/icons.ts, both under the repository root
// (the nearest pnpm-workspace.yaml at or above the working directory).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { type CliIo, findUp, isMain, runTool, stdio, UsageError } from '@tessera/cli-kit'
import { createConnection } from 'mysql2/promise'
import type { Argv } from 'yargs'
import { hideBin } from 'yargs/helpers'
import { applyCatalogue } from './apply-catalogue.js'
import { renderCatalogueSql } from './catalogue-sql.js'
import { IconsBadUrl, IconsDbFailed, IconsGeneratedStale } from './errors.js'
import { type Catalogue, DEFAULT_LIMITS, loadCatalogue } from './load-catalogue.js'
import { renderIconEnum } from './render-enum.js'

export const DEFAULT_DIR = 'tools/icons/sample'
export const DEFAULT_MODULE = 'packages/constants/src/generated/icons.ts'

interface Common {
  dir?: string
  description?: string
  'max-size'?: number
  'max-bytes'?: number
}

/** The repository root: where pnpm-workspace.yaml is, else the working directory. */
export function repoRoot(from = process.cwd()): string {
  const marker = findUp('pnpm-workspace.yaml', from)
  return marker ? path.dirname(marker) : path.resolve(from)
}

function common<T>(y: Argv<T>) {
  return y
    .option('dir', {
      type: 'string',
      describe: `folder of PNG files (default: ${DEFAULT_DIR} in the repository)`,
    })
    .option('description', { type: 'string', describe: 'description file (default: <dir>/icons.json)' })
    .option('max-size', {
      type: 'number',
      describe: `largest width and height in pixels (default ${DEFAULT_LIMITS.maxWidth})`,
    })
    .option('max-bytes', {
      type: 'number',
      describe: `largest PNG file (default ${DEFAULT_LIMITS.maxBytes})`,
    })
}

export function runCli(argv: readonly string[], io: CliIo = stdio): Promise<number> {
  const root = repoRoot()
  const load = (a: Common): Catalogue => {
    const size = a['max-size']
    const bytes = a['max-bytes']
    for (const [k, v] of [
      ['--max-size', size],
      ['--max-bytes', bytes],
    ] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v > 0))
        throw new UsageError(`${k} must be a positive integer`)
    }
    return loadCatalogue({
      dir: a.dir ?? path.join(root, DEFAULT_DIR),
      description: a.description,
      limits: {
        ...(size === undefined ? {} : { maxWidth: size, maxHeight: size }),
        ...(bytes === undefined ? {} : { maxBytes: bytes }),
      },
    })
  }
  return runTool('tessera-icons', argv, io, (y) =>
    common(y)
      .command(
        'build',
        'write the generated enum module (--check: fail if it is stale)',
        (y) =>
          y
            .option('module', { type: 'string', describe: `generated module (default: ${DEFAULT_MODULE})` })
            .option('check', { type: 'boolean', default: false }),
        (a) => {
          const c = load(a)
          const module = path.resolve(a.module ?? path.join(root, DEFAULT_MODULE))
          const text = renderIconEnum(c, root)
          if (a.check) {
            const current = existsSync(module) ? readFileSync(module, 'utf8') : ''
            if (current !== text) throw new IconsGeneratedStale(module, c.source)
            io.err(`${module} is up to date (${c.icons.length} icons, hash ${c.hash})`)
          } else {
            mkdirSync(path.dirname(module), { recursive: true })
            writeFileSync(module, text)
            io.err(`wrote ${module} (${c.icons.length} icons, hash ${c.hash})`)
          }
        },
      )
      .command(
        'hash',
        'print the catalogue hash',
        (y) => y.option('json', { type: 'boolean', default: false }),
        (a) => {
          const c = load(a)
          io.out(a.json ? JSON.stringify({ hash: c.hash, icons: c.icons.length }) : c.hash)
        },
      )
      .command(
        'sql',
        'print the SQL script that makes a database hold this catalogue (idempotent)',
        (y) => y.option('out', { type: 'string', describe: 'write to this file instead of stdout' }),
        (a) => {
          const c = load(a)
          const text = renderCatalogueSql(c, path.relative(root, c.source).split(path.sep).join('/'))
          if (a.out) {
            writeFileSync(a.out, text)
            io.err(`wrote ${a.out} (${c.icons.length} icons, hash ${c.hash})`)
          } else io.out(text.trimEnd())
        },
      )
      .command(
        'apply',
        'load the catalogue into a database (created if missing), in one transaction',
        (y) =>
          y
            .option('url', {
              type: 'string',
              default: process.env.MYSQL_URL,
              defaultDescription: '$MYSQL_URL',
              describe: 'mysql://user:password@host:port',
            })
            .option('database', { type: 'string', demandOption: true }),
        async (a) => {
          if (!a.url) throw new UsageError('--url (or MYSQL_URL) is required')
          const c = load(a)
          const conn = await connect(a.url, a.database)
          try {
            await applyCatalogue({
              conn,
              database: a.database,
              catalogue: c,
              onProgress: (done, total) => io.err(`statement ${done}/${total}`),
            })
          } finally {
            await conn.end().catch(() => conn.destroy())
          }
          io.err(`applied ${c.icons.length} icons to ${a.database}`)
          io.out(c.hash)
        },
      )
      .demandCommand(1, 'name a command: build, hash, sql or apply'),
  )
}

async function connect(url: string, database: string) {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new IconsBadUrl(url)
  }
  if (u.protocol !== 'mysql:' || !u.hostname) throw new IconsBadUrl(url)
  const conn = await createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
  }).catch((err: Error) => {
    throw IconsDbFailed.with({ cause: err }, database, err.message)
  })
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${conn.escapeId(database)} CHARACTER SET utf8mb4`)
    await conn.query(`USE ${conn.escapeId(database)}`)
  } catch (err) {
    conn.destroy()
    throw IconsDbFailed.with({ cause: err }, database, (err as Error).message)
  }
  return conn
}

if (isMain(import.meta.url)) process.exitCode = await runCli(hideBin(process.argv))
