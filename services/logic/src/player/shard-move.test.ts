// The data steps of a shard move on the real MariaDB, with real storages as
// the old and the new owner: the fence refuses the old owner's later writes
// (in its own database, where its flushes, journal and dump go), the copy
// carries every write that landed before the fence, once, and running the
// move again changes nothing.
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Storage, StorageStaleEpoch } from '@tessera/storage'
import { sql, testDatabase, withDatabase } from '@tessera/storage/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { Player } from './player-entity.js'
import { copyUsers, fenceUsers, usersOfShard } from './shard-move.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** The gateway's shard function (services/gateway/src/shard/shard-map.ts), for the check below. */
const shardOf = (id: bigint, shards: number) =>
  createHash('sha256').update(id.toString()).digest().readUInt32BE(0) % shards

async function owner(prefix: string) {
  const t = await testDatabase(prefix)
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-move-'))
  const s = new Storage({
    url: t.url,
    service: t.service,
    machineId: t.machineId,
    entities: [Player],
    dataDir,
    flushIntervalMs: 60_000,
  })
  await s.start()
  cleanups.push(async () => {
    await s.stop().catch(() => {})
    rmSync(dataDir, { recursive: true, force: true })
    await t.drop()
  })
  return { storage: s, db: s.client, t }
}

describe('moving a shard: fence, then copy', () => {
  it('selects exactly the rows of one shard, as the gateway computes it', { timeout: 120_000 }, async () => {
    const a = await owner('mva')
    const shards = 8
    const ids = [1n, 2n, 42n, 7_000_000_000_000_000_123n, 18_446_744_073_709_551_615n]
    for (let i = 0n; i < 40n; i++) ids.push(7_300_000_000_000_000_000n + i * 4_194_304n)
    for (const id of ids) a.storage.create(Player, { id, nickname: `n${id % 1000n}` }, { epoch: 1 })
    await a.storage.flush()
    for (let shard = 0; shard < shards; shard++) {
      const want = ids
        .filter((id) => shardOf(id, shards) === shard)
        .map(String)
        .sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1))
      expect(await usersOfShard(a.db, 'player', shard, shards), `shard ${shard}`).toEqual(want)
    }
  })

  it('refuses the old owner after the fence, carries every landed write once, and is safe to run again', {
    timeout: 120_000,
  }, async () => {
    const a = await owner('mvo') // old owner: its own database logic_<A>
    const b = await owner('mvn') // new owner: logic_<B>
    const u = 1001n
    const other = 1002n
    // The player plays on A under ownership epoch 4.
    const row = a.storage.create(Player, { id: u, nickname: 'mover' }, { epoch: 4 })
    const stay = a.storage.create(Player, { id: other, nickname: 'stays' }, { epoch: 4 })
    row.gold = 10n
    row.level = 3
    row.icon_ids = [1, 2]
    await a.storage.flush() // landed before the move: must arrive on B
    row.gold = 11n
    await a.storage.flush() // landed too

    // The move claimed player:<u> at the center: epoch 5. Fence A's row, copy it to B.
    const users = [{ id: String(u), epoch: 5n }]
    expect(await fenceUsers(a.db, 'player', users)).toBe(1)
    expect(await copyUsers(a.db, b.db, Player, users)).toBe(1)

    // The old owner's late write is refused by its own database, on flush and after.
    row.gold = 999n
    const late = await a.storage.flush()
    expect(late.landed).toBe(0)
    expect(StorageStaleEpoch.is(late.rejected[0]?.error)).toBe(true)
    const inA = await sql(withDatabase(a.t.url, a.t.name), 'SELECT id, gold, _epoch FROM player ORDER BY id')
    expect(inA).toEqual([
      { id: String(u), gold: '11', _epoch: '5' },
      { id: String(other), gold: '0', _epoch: '4' },
    ])
    // The other user of A was not touched and A still writes it.
    stay.gold = 7n
    expect((await a.storage.flush()).landed).toBe(1)

    // The next login claims epoch 6 and lands on B: every landed write, nothing of the refused one.
    const onB = await b.storage.load(Player, u, { epoch: 6 })
    expect([onB?.gold, onB?.level, onB?.icon_ids, onB?.nickname]).toEqual([11n, 3, [1, 2], 'mover'])
    onB!.gold = 20n
    expect((await b.storage.flush()).landed).toBe(1)

    // An operator re-running an interrupted move (fence and copy again) changes nothing on B.
    expect(await fenceUsers(a.db, 'player', users)).toBe(0)
    expect(await copyUsers(a.db, b.db, Player, users)).toBe(1)
    const inB = await sql(withDatabase(b.t.url, b.t.name), 'SELECT id, gold, _epoch FROM player')
    expect(inB).toEqual([{ id: String(u), gold: '20', _epoch: '6' }])
  })
})
