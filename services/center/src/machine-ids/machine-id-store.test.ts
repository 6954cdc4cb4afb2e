import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serverUrl, sql } from '../../../../packages/storage/src/testing/index.js'
import { MachineIdStore } from './machine-id-store.js'

let url: string
const dbs: string[] = []
const stores: MachineIdStore[] = []

async function store(opts: { size?: number; leaseMs?: number } = {}): Promise<MachineIdStore> {
  const database = `center_test_${process.pid}_${dbs.length}`
  dbs.push(database)
  const s = await MachineIdStore.open({ url, database, leaseMs: opts.leaseMs ?? 60_000, size: opts.size })
  stores.push(s)
  return s
}

beforeAll(async () => {
  url = await serverUrl()
})
afterAll(async () => {
  for (const s of stores) await s.close()
  for (const d of dbs) await sql(url, `DROP DATABASE IF EXISTS \`${d}\``)
})

describe('MachineIdStore', () => {
  it('gives a returning (node, kind) its own id back, and distinct pairs distinct ids', async () => {
    const s = await store()
    const a = await s.lease('node-a', 'logic', 1000)
    const b = await s.lease('node-b', 'logic', 1000)
    const c = await s.lease('node-a', 'gateway', 1000)
    expect(new Set([a.machineId, b.machineId, c.machineId]).size).toBe(3)
    expect(a.returning).toBe(false)
    const again = await s.lease('node-a', 'logic', 5000)
    expect(again).toMatchObject({ machineId: a.machineId, returning: true, leaseUntilMs: 65_000 })
  })

  it('reuses an id only after its lease expired, and says clearly when none is left', async () => {
    const s = await store({ size: 2, leaseMs: 1000 })
    const a = await s.lease('n1', 'logic', 0)
    await s.lease('n2', 'logic', 0)
    await expect(s.lease('n3', 'logic', 500)).rejects.toMatchObject({ code: 'CENTER_MACHINE_IDS_EXHAUSTED' })
    // n1 renews, n2 does not: at t=1500 only n2's id is free.
    expect(await s.renew([{ machineId: a.machineId, node: 'n1', kind: 'logic' }], 900)).toBe(1)
    const c = await s.lease('n3', 'logic', 1500)
    expect(c.machineId).not.toBe(a.machineId)
    expect(c.returning).toBe(false)
    expect((await s.list()).map((r) => r.node).sort()).toEqual(['n1', 'n3'])
  })

  it('never hands one id to two nodes asking at once (40 concurrent requests, 20 repeated pairs)', async () => {
    const s = await store()
    const other = await MachineIdStore.open({ url, database: dbs[dbs.length - 1]!, leaseMs: 60_000 })
    stores.push(other)
    const asks = Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? s : other).lease(`node-${i % 20}`, 'logic', 1000),
    )
    const got = await Promise.all(asks)
    const byNode = new Map<string, number>()
    got.forEach((l, i) => {
      const node = `node-${i % 20}`
      const prev = byNode.get(node)
      if (prev !== undefined) expect(l.machineId).toBe(prev)
      byNode.set(node, l.machineId)
    })
    expect(new Set(byNode.values()).size).toBe(20)
    const rows = await sql<{ n: number }[]>(
      url,
      `SELECT COUNT(*) AS n FROM \`${dbs[dbs.length - 1]}\`.machine_ids WHERE node IS NOT NULL`,
    )
    expect(Number(rows[0]!.n)).toBe(20)
  })
})
