import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Logger } from '@tessera/kernel'
import { rowState, Storage } from '@tessera/storage'
import { sql, type TestDatabase, testDatabase } from '@tessera/storage/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PlayerContext } from '../session/index.js'
import { PlayerDaily } from './daily/daily-entity.js'
import { PlayerRows } from './player-rows.js'

const silent = { warn: () => {} } as unknown as Logger

/** The part of a handler's context PlayerRows reads: the user and the session's epoch. */
function ctx(userId: bigint, epoch: bigint): PlayerContext {
  return { userId, session: { epoch } } as unknown as PlayerContext
}

describe('PlayerRows', () => {
  let db: TestDatabase
  let dir: string
  let storage: Storage
  let rows: PlayerRows<typeof PlayerDaily.columns>

  beforeAll(async () => {
    db = await testDatabase('prows')
    dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-prows-'))
    storage = new Storage({
      url: db.url,
      service: db.service,
      machineId: db.machineId,
      entities: [PlayerDaily],
      dataDir: dir,
      flushIntervalMs: 3_600_000,
    })
    await storage.start()
    rows = new PlayerRows(
      PlayerDaily,
      () => storage,
      () => ({}),
      silent,
    )
  }, 60_000)

  afterAll(async () => {
    await storage?.stop()
    await db?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  async function dbRow(id: bigint) {
    const r = (await sql(db.url, `SELECT doc, _epoch FROM \`${db.name}\`.player_daily WHERE id = ?`, [
      id,
    ])) as {
      doc: string
      _epoch: number
    }[]
    return r[0] && { doc: JSON.parse(r[0].doc) as { coins: number }, epoch: Number(r[0]._epoch) }
  }

  it('creates the row under the session epoch, and flushes it on release', async () => {
    const row = await rows.get(ctx(1n, 5n))
    expect(rowState(row).epoch).toBe(5)
    row.doc = { ...row.doc, coins: 7 }
    expect(await rows.get(ctx(1n, 5n))).toBe(row)
    await rows.release(1n)
    expect(rows.peek(1n)).toBeUndefined()
    expect(await dbRow(1n)).toEqual({ doc: expect.objectContaining({ coins: 7 }), epoch: 5 })
  })

  it('after a resume under a newer epoch, flushes the row under the old one and reloads it under the new one', async () => {
    const old = await rows.get(ctx(2n, 3n))
    old.doc = { ...old.doc, coins: 1 }
    const row = await rows.get(ctx(2n, 4n))
    expect(row).not.toBe(old)
    expect(rowState(row).epoch).toBe(4)
    expect(row.doc.coins).toBe(1)
    row.doc = { ...row.doc, coins: 2 }
    await rows.release(2n)
    // Claimed by epoch 4: a write of the older owner would now be refused.
    expect(await dbRow(2n)).toEqual({ doc: expect.objectContaining({ coins: 2 }), epoch: 4 })
  })
})
