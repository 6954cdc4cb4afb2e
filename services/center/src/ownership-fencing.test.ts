// Issue 5 fault test: two logic services claim the same player. The center's
// ownership epochs and the storage's epoch fencing together decide: exactly
// one owns the player afterwards, and the other's writes are refused.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CENTER_CHANNEL_ID } from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { Storage, StorageStaleEpoch } from '@tessera/storage'
import { sql, testDatabase, withDatabase } from '@tessera/storage/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { type CenterHandle, startCenter, startService, type TestService, until } from './fixtures/harness.js'
import { Player } from './fixtures/player-entity.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function claim(s: TestService, key: string) {
  return s.proxy.request(
    CENTER_CHANNEL_ID,
    clusterWire.ownershipClaim,
    { key, ownerServiceId: s.info.serviceId },
    clusterWire.ownershipClaimOk,
  )
}

describe('two logic services claim the same player', () => {
  it('leaves exactly one owner, and the other one’s writes are refused', async () => {
    const center: CenterHandle = await startCenter()
    cleanups.push(() => center.close())
    const db = await testDatabase('own')
    cleanups.push(() => db.drop())

    // Two logic services, each with its own storage process on the player's database.
    const logic: { svc: TestService; storage: Storage; revoked: bigint[] }[] = []
    for (const id of [10, 11]) {
      const svc = await startService('logic', id, center.address)
      cleanups.push(() => svc.close())
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-own-'))
      const storage = new Storage({
        url: db.url,
        service: db.service,
        machineId: db.machineId,
        entities: [Player],
        dataDir,
        flushIntervalMs: 60_000,
      })
      await storage.start()
      cleanups.push(async () => {
        await storage.stop()
        rmSync(dataDir, { recursive: true, force: true })
      })
      const revoked: bigint[] = []
      svc.proxy.on(clusterWire.ownershipRevoked, (m) => {
        if (m.key === 'player:42') revoked.push(m.epoch)
      })
      logic.push({ svc, storage, revoked })
    }
    const [a, b] = logic as [(typeof logic)[0], (typeof logic)[0]]

    // A owns the player first and plays.
    const ea = await claim(a.svc, 'player:42')
    const pa = a.storage.create(Player, { id: 42n, gold: 100 }, { epoch: Number(ea.epoch) })
    await a.storage.flush()

    // B claims it too (say, a second login routed elsewhere): a higher epoch, and A is told.
    const eb = await claim(b.svc, 'player:42')
    expect(eb.epoch).toBeGreaterThan(ea.epoch)
    expect(eb.previousOwner).toBe(10)
    const pb = await b.storage.load(Player, 42n, { epoch: Number(eb.epoch) })
    if (!pb) throw new Error('row missing')
    await until(() => a.revoked.length === 1, 2000, 'revocation reaches A')
    expect(a.revoked[0]).toBe(eb.epoch)

    // A has not processed the revocation yet and keeps writing: the database refuses it.
    pa.gold = 1
    pb.gold = 250
    const ra = await a.storage.flush()
    expect(ra.landed).toBe(0)
    expect(StorageStaleEpoch.is(ra.rejected[0]?.error)).toBe(true)
    await b.storage.flush()

    const rows = await sql<{ gold: number; _epoch: string }[]>(
      withDatabase(db.url, db.name),
      'SELECT gold, _epoch FROM player WHERE id = 42',
    )
    expect(rows).toEqual([{ gold: 250, _epoch: String(eb.epoch) }])
    // And the center agrees on the single owner: A cannot release what it no longer holds.
    const release = (s: (typeof logic)[0], epoch: bigint) =>
      s.svc.proxy.request(
        CENTER_CHANNEL_ID,
        clusterWire.ownershipRelease,
        { key: 'player:42', epoch, ownerServiceId: s.svc.info.serviceId },
        clusterWire.ownershipReleaseOk,
      )
    expect((await release(a, ea.epoch)).released).toBe(false)
    expect((await release(b, eb.epoch)).released).toBe(true)
  })
})
