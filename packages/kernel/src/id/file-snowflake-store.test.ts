import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IdStoreCorrupt, IdStoreFailed } from './errors.js'
import { FileSnowflakeStore } from './file-snowflake-store.js'
import { MAX_SNOWFLAKE } from './snowflake-layout.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tessera-mark-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('FileSnowflakeStore', () => {
  it('loads null when the file is missing (a fresh start)', async () => {
    expect(await new FileSnowflakeStore(path.join(dir, 'none.json')).load()).toBeNull()
  })

  it('saves and loads marks, replacing the file whole and leaving no temp file', async () => {
    const file = path.join(dir, 'sub', 'mark.json') // parent created on first save
    const store = new FileSnowflakeStore(file)
    await store.save(12345n)
    await store.save(MAX_SNOWFLAKE)
    expect(await new FileSnowflakeStore(file).load()).toBe(MAX_SNOWFLAKE)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      format: 'tessera-snowflake-mark',
      version: 1,
      highWater: MAX_SNOWFLAKE.toString(),
    })
    expect(await readdir(path.dirname(file))).toEqual(['mark.json'])
  })

  it('serialises overlapping saves so the last call wins', async () => {
    const file = path.join(dir, 'mark.json')
    const store = new FileSnowflakeStore(file)
    await Promise.all([1n, 2n, 3n, 4n, 5n].map((v) => store.save(v)))
    expect(await store.load()).toBe(5n)
  })

  const corrupt: [string, string][] = [
    ['empty', ''],
    ['not JSON', '{"format":'],
    ['a number', '42'],
    ['wrong format', '{"format":"x","version":1,"highWater":"1"}'],
    ['future version', '{"format":"tessera-snowflake-mark","version":2,"highWater":"1"}'],
    ['numeric mark', '{"format":"tessera-snowflake-mark","version":1,"highWater":1}'],
    ['negative mark', '{"format":"tessera-snowflake-mark","version":1,"highWater":"-1"}'],
    ['mark above 2^63-1', `{"format":"tessera-snowflake-mark","version":1,"highWater":"${1n << 63n}"}`],
  ]
  for (const [name, text] of corrupt) {
    it(`refuses a corrupt file (${name}) with an error naming it`, async () => {
      const file = path.join(dir, 'mark.json')
      await writeFile(file, text)
      const err = await new FileSnowflakeStore(file).load().catch((e: unknown) => e)
      expect(IdStoreCorrupt.is(err)).toBe(true)
      expect((err as Error).message).toContain(file)
    })
  }

  it('reports unreadable and unwritable paths as ID_STORE_FAILED', async () => {
    const store = new FileSnowflakeStore(dir) // a directory, not a file
    const readErr = await store.load().catch((e: unknown) => e)
    expect(IdStoreFailed.is(readErr)).toBe(true)
    expect((readErr as Error).message).toMatch(/EISDIR/)
    await writeFile(path.join(dir, 'plain'), 'x')
    const writeErr = await new FileSnowflakeStore(path.join(dir, 'plain', 'm.json'))
      .save(1n)
      .catch((e: unknown) => e)
    expect(IdStoreFailed.is(writeErr)).toBe(true)
  })
})
