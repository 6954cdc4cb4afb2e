import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
// Test-only helper from the storage package (real MariaDB, never a stand-in).
import { sql, testDatabase, withDatabase } from '@tessera/storage/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './cli.js'
import { SqlSplitter } from './sql-splitter.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('SqlSplitter', () => {
  it('splits on semicolons outside quotes and comments, across chunks', () => {
    const s = new SqlSplitter()
    const script =
      "-- head; comment\nINSERT INTO t VALUES ('a;b', \"c;\\\"d\", `e;f`);\n/* x; */ SELECT 'it''s; fine';# trailing; comment\nSELECT 1;"
    const out: string[] = []
    for (let i = 0; i < script.length; i += 7) out.push(...s.push(script.slice(i, i + 7)))
    expect(s.end()).toBeUndefined()
    expect(out).toEqual([
      'INSERT INTO t VALUES (\'a;b\', "c;\\"d", `e;f`)',
      "/* x; */ SELECT 'it''s; fine'",
      'SELECT 1',
    ])
  })
})

describe('tessera-db-backup', () => {
  it('dumps to <db>-<timestamp>.sql.gz with progress and restores an identical copy', {
    timeout: 60_000,
  }, async () => {
    const src = await testDatabase('bk')
    const dst = await testDatabase('bkr')
    cleanups.push(
      () => src.drop(),
      () => dst.drop(),
    )
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-backup-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    await sql(src.url, `CREATE DATABASE \`${src.name}\``)
    const q = (s: string, p: unknown[] = []) => sql(withDatabase(src.url, src.name), s, p)
    await q(
      'CREATE TABLE item (id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(64) NOT NULL, price DECIMAL(20,6), ratio DOUBLE, data BLOB, doc LONGTEXT, made DATETIME(3), note TEXT NULL) CHARSET utf8mb4',
    )
    await q('CREATE TABLE empty_one (k INT PRIMARY KEY)')
    await q('INSERT INTO item VALUES (?,?,?,?,?,?,?,?)', [
      '18446744073709551615',
      'quote \' " ` ; -- # /* */ \\ \n\r\t 玩家 😀',
      '12345678901234.123456',
      0.1 + 0.2,
      Buffer.from([0, 1, 2, 255, 39, 92, 10]),
      JSON.stringify({ a: [1, 2, { b: 'c;d' }] }),
      '2026-01-02 03:04:05.678',
      null,
    ])
    const many: unknown[][] = []
    for (let i = 1; i <= 3000; i++)
      many.push([
        i,
        `n${i}`,
        `${i}.5`,
        i / 7,
        Buffer.alloc(i % 50, i % 256),
        `{"i":${i}}`,
        '2026-01-01 00:00:00',
        i % 3 ? 'x' : null,
      ])
    await q('INSERT INTO item VALUES ?', [many])

    const out: string[] = []
    const err: string[] = []
    await runCli(['dump', '--url', src.url, '--database', src.name, '--out-dir', dir], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    })
    const file = out[0] as string
    expect(path.basename(file)).toMatch(new RegExp(`^${src.name}-\\d{8}T\\d{6}Z\\.sql\\.gz$`))
    expect(readdirSync(dir)).toEqual([path.basename(file)])
    expect(err.at(-1)).toMatch(new RegExp(`^dump ${src.name}: 2 tables, 3001 rows, \\d+ bytes$`))

    const rout: string[] = []
    const rerr: string[] = []
    await runCli(['restore', '--url', src.url, '--file', file, '--database', dst.name], {
      out: (l) => rout.push(l),
      err: (l) => rerr.push(l),
    })
    expect(rout).toEqual([dst.name])
    expect(rerr.at(-1)).toMatch(/^restore: 100% \(\d+ statements\)$/)

    const sum = async (db: string) =>
      sql<Record<string, unknown>[]>(withDatabase(src.url, db), 'CHECKSUM TABLE item, empty_one EXTENDED')
    const a = (await sum(src.name)).map((r) => r.Checksum)
    const b = (await sum(dst.name)).map((r) => r.Checksum)
    expect(b).toEqual(a)
    const row = (db: string) =>
      sql(withDatabase(src.url, db), 'SELECT * FROM item WHERE id = 18446744073709551615')
    expect(await row(dst.name)).toEqual(await row(src.name))
    const show = async (db: string) =>
      (
        (
          await sql<Record<string, string>[]>(withDatabase(src.url, db), 'SHOW CREATE TABLE item')
        )[0] as Record<string, string>
      )['Create Table']
    expect(await show(dst.name)).toBe(await show(src.name))
  })
})
