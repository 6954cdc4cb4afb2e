import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql, type TestDatabase, testDatabase, withDatabase } from '../testing/mariadb.js'
import { refusedCount, type UpsertSpec, upsertSql } from './upsert.js'

let db: TestDatabase
let url: string
beforeAll(async () => {
  db = await testDatabase('up')
  await sql(db.url, `CREATE DATABASE \`${db.name}\``)
  url = withDatabase(db.url, db.name)
  await sql(
    url,
    'CREATE TABLE t (id INT PRIMARY KEY, a INT NOT NULL DEFAULT 0, b INT NOT NULL DEFAULT 0, _version BIGINT UNSIGNED NOT NULL DEFAULT 0, _epoch BIGINT UNSIGNED NOT NULL DEFAULT 0)',
  )
})
afterAll(() => db?.drop())

const write = (rows: unknown[][], columns = ['id', 'a', 'b']) => {
  const spec: UpsertSpec = { table: 't', primaryKey: ['id'], columns, rows }
  const { sql: s, params } = upsertSql(spec)
  return sql<{ affectedRows: number }>(url, s, params)
}
const read = () => sql(url, 'SELECT id, a, b, _version AS v, _epoch AS e FROM t ORDER BY id')

describe('fenced upsert', () => {
  it('is idempotent: a retried or replayed write, or an older one, changes nothing', async () => {
    await write([[1, 10, 10, 1, 1]])
    await write([[1, 20, 20, 2, 1]])
    const after = await read()
    await write([[1, 20, 20, 2, 1]]) // retry after a lost acknowledgement
    await write([[1, 10, 10, 1, 1]]) // replay of an older record
    expect(await read()).toEqual(after)
    expect(after).toEqual([{ id: 1, a: 20, b: 20, v: '2', e: '1' }])
  })

  it('lets a newer epoch win whatever its version, and never an older one', async () => {
    await write([[2, 1, 1, 9, 3]])
    await write([[2, 2, 2, 1, 4]])
    await write([[2, 3, 3, 50, 3]])
    expect((await read()).find((r) => r.id === 2)).toEqual({ id: 2, a: 2, b: 2, v: '1', e: '4' })
  })

  it('writes only the listed columns, row by row in one statement', async () => {
    await write([
      [3, 1, 1, 1, 1],
      [4, 1, 1, 1, 1],
    ])
    await write(
      [
        [3, 7, 2, 1],
        [4, 8, 0, 1], // stale version: kept as is
      ],
      ['id', 'a'],
    )
    const rows = (await read()).filter((r) => Number(r.id) >= 3)
    expect(rows).toEqual([
      { id: 3, a: 7, b: 1, v: '2', e: '1' },
      { id: 4, a: 1, b: 1, v: '1', e: '1' },
    ])
  })
})

describe('refusedCount', () => {
  it('tells refused rows from affectedRows and the info line (1 per insert, 2 per update, 0 refused)', () => {
    // Measured on MariaDB: 2 inserts, 1 update, 1 refused.
    expect(refusedCount(4, 4, 'Records: 4  Duplicates: 1  Warnings: 0')).toBe(1)
    // 2 inserts and 1 refused look like 1 insert and 1 update without the info line.
    expect(refusedCount(3, 2, 'Records: 3  Duplicates: 0  Warnings: 0')).toBe(1)
    expect(refusedCount(2, 2, 'Records: 2  Duplicates: 1  Warnings: 0')).toBe(1)
    expect(refusedCount(2, 4, 'Records: 2  Duplicates: 2  Warnings: 0')).toBe(0)
    expect(refusedCount(3, 3, 'Records: 3  Duplicates: 0  Warnings: 0')).toBe(0)
    expect(refusedCount(1, 0, '')).toBe(1)
    expect(refusedCount(1, 2, '')).toBe(0)
    expect(refusedCount(3, 3, '')).toBeUndefined()
  })
})
