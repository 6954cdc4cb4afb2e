// Reading the catalogue tables tools/icons writes, on the real MariaDB.
import { DbClient, QueryMetrics, silentLogger } from '@tessera/storage'
import { sql, testDatabase } from '@tessera/storage/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CatalogueBadRows } from './catalogue-errors.js'
import { readCatalogue, readCatalogueHash } from './catalogue-rows.js'

describe('catalogue rows', () => {
  let db: DbClient
  let drop: () => Promise<void>
  let name = ''
  let url = ''

  beforeAll(async () => {
    const t = await testDatabase('cat')
    ;({ url, name, drop } = t)
    db = await DbClient.open({ url, database: name, createDatabase: true }, new QueryMetrics(), silentLogger)
  }, 120_000)
  afterAll(async () => {
    await db?.close()
    await drop?.()
  })

  it('reads null when no catalogue was applied (no tables, no database)', async () => {
    expect(await readCatalogueHash(db, name)).toBeNull()
    expect(await readCatalogue(db, name)).toBeNull()
    expect(await readCatalogue(db, `${name}_absent`)).toBeNull()
  })

  it('reads hash and icons (PNG decoded from base64, id order), and refuses rows that disagree with the count', async () => {
    const t = `\`${name}\``
    await sql(
      url,
      `CREATE TABLE ${t}.icon (id INT UNSIGNED PRIMARY KEY, name VARCHAR(64), description VARCHAR(1000), width INT UNSIGNED, height INT UNSIGNED, png_base64 MEDIUMTEXT)`,
    )
    await sql(
      url,
      `CREATE TABLE ${t}.icon_catalogue (id TINYINT UNSIGNED PRIMARY KEY, hash CHAR(64), icons INT UNSIGNED)`,
    )
    await sql(url, `INSERT INTO ${t}.icon VALUES (2, 'b', 'B', 2, 2, ?), (1, 'a', 'A', 1, 1, ?)`, [
      Buffer.from([9, 8]).toString('base64'),
      Buffer.from([7]).toString('base64'),
    ])
    await sql(url, `INSERT INTO ${t}.icon_catalogue VALUES (1, 'h2', 2)`)
    expect(await readCatalogueHash(db, name)).toBe('h2')
    const c = await readCatalogue(db, name)
    expect(c?.hash).toBe('h2')
    expect(c?.icons.map((i) => [i.id, i.name, i.description, i.width, [...i.png]])).toEqual([
      [1, 'a', 'A', 1, [7]],
      [2, 'b', 'B', 2, [9, 8]],
    ])
    await sql(url, `UPDATE ${t}.icon_catalogue SET icons = 3`)
    await expect(readCatalogue(db, name)).rejects.toThrow(CatalogueBadRows)
  })
})
