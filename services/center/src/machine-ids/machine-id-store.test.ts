import { serverUrl, sql } from '@tessera/storage/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { dropDatabases, newDatabase, openCenterDatabase } from '../fixtures/harness.js'
import { holderDecision, type LeaseRequest, MachineIdStore, type MachineIdUse } from './machine-id-store.js'

const disposers: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const d of disposers.splice(0)) await d()
  await dropDatabases()
})

async function store(
  opts: { size?: number; leaseMs?: number; holderTtlMs?: number; database?: string } = {},
): Promise<MachineIdStore & { database: string }> {
  const database = opts.database ?? newDatabase()
  const db = await openCenterDatabase(database)
  disposers.push(() => db.dispose())
  const s = new MachineIdStore(db, {
    leaseMs: opts.leaseMs ?? 60_000,
    holderTtlMs: opts.holderTtlMs ?? 10_000,
    size: opts.size,
  })
  await s.prepare()
  return Object.assign(s, { database })
}

const key = (node: string, kind = 'logic', slot = 0, holder = ''): LeaseRequest => ({
  node,
  kind,
  slot,
  holder,
})
const unknown: MachineIdUse = () => undefined

describe('MachineIdStore', () => {
  it('gives a returning key its own id back, and distinct keys (slots too) distinct ids', async () => {
    const s = await store()
    const a = await s.lease(key('node-a'), 1000, unknown)
    const b = await s.lease(key('node-b'), 1000, unknown)
    const c = await s.lease(key('node-a', 'gateway'), 1000, unknown)
    const d = await s.lease(key('node-a', 'logic', 1), 1000, unknown)
    expect(new Set([a.machineId, b.machineId, c.machineId, d.machineId]).size).toBe(4)
    expect(a.returning).toBe(false)
    const again = await s.lease(key('node-a'), 5000, unknown)
    expect(again).toMatchObject({ machineId: a.machineId, returning: true, leaseUntilMs: 65_000 })
  })

  it('refuses a second live holder of a key, gives the holder its own id again, and a lapsed claim to a restart', async () => {
    const s = await store({ holderTtlMs: 10_000 })
    const first = await s.lease(key('n1', 'logic', 7, 'holder-one'), 1000, unknown)
    expect(first).toMatchObject({ returning: false, holderUntilMs: 11_000, takenOver: false })
    // Another process instance with the same key while the claim lasts: refused.
    const refused = await s.lease(key('n1', 'logic', 7, 'holder-two'), 5000, unknown).catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'CENTER_MACHINE_ID_HELD' })
    // The holder itself asking again (a retry): its own id.
    expect(await s.lease(key('n1', 'logic', 7, 'holder-one'), 6000, unknown)).toMatchObject({
      machineId: first.machineId,
      returning: true,
      takenOver: false,
    })
    // The claim lapsed (the process died before registering): a restart takes it over.
    const restart = await s.lease(key('n1', 'logic', 7, 'holder-two'), 16_001, unknown)
    expect(restart).toMatchObject({ machineId: first.machineId, returning: true, takenOver: true })
    // A look-up without a holder (the machine-id tool) never disturbs the holder.
    expect(await s.lease(key('n1', 'logic', 7), 16_002, unknown)).toMatchObject({
      machineId: first.machineId,
      holderUntilMs: 0,
    })
    const rows = await s.list()
    expect(rows.find((r) => r.machineId === first.machineId)?.holder).toBe('holder-two')
  })

  it('takes the registry’s word over the claim: a live service keeps its id, a dead one frees it', async () => {
    const s = await store({ holderTtlMs: 1000 })
    const first = await s.lease(key('n1', 'logic', 0, 'h1'), 0, unknown)
    const live: MachineIdUse = (id) => (id === first.machineId ? 'live' : undefined)
    const dead: MachineIdUse = (id) => (id === first.machineId ? 'dead' : undefined)
    // The claim lapsed long ago, but a registered service runs with the id.
    await expect(s.lease(key('n1', 'logic', 0, 'h2'), 60_000, live)).rejects.toMatchObject({
      code: 'CENTER_MACHINE_ID_HELD',
    })
    // The claim still lasts, but its service was killed (link closed).
    await s.lease(key('n1', 'logic', 0, 'h1'), 60_000, unknown)
    const back = await s.lease(key('n1', 'logic', 0, 'h2'), 60_001, dead)
    expect(back).toMatchObject({ machineId: first.machineId, takenOver: true })
  })

  it('ends only its own holder’s claim on release', async () => {
    const s = await store({ holderTtlMs: 10_000 })
    const a = await s.lease(key('n1', 'logic', 0, 'h1'), 0, unknown)
    expect(await s.release(a.machineId, 'n1', 'h-other')).toBe(false)
    expect(await s.release(a.machineId, 'n1', 'h1')).toBe(true)
    // Released: a restart gets the id at once, without waiting for the claim to lapse.
    expect(await s.lease(key('n1', 'logic', 0, 'h2'), 1, unknown)).toMatchObject({
      machineId: a.machineId,
      returning: true,
    })
  })

  it('reuses an id only after its lease expired, and says clearly when none is left', async () => {
    const s = await store({ size: 2, leaseMs: 1000, holderTtlMs: 500 })
    const a = await s.lease(key('n1', 'logic', 0, 'h1'), 0, unknown)
    await s.lease(key('n2', 'logic', 0, 'h2'), 0, unknown)
    await expect(s.lease(key('n3'), 500, unknown)).rejects.toMatchObject({
      code: 'CENTER_MACHINE_IDS_EXHAUSTED',
    })
    // n1 renews, n2 does not: at t=1500 only n2's id is free.
    expect(await s.renew([{ machineId: a.machineId, node: 'n1' }], 900)).toBe(1)
    const c = await s.lease(key('n3'), 1500, unknown)
    expect(c.machineId).not.toBe(a.machineId)
    expect(c.returning).toBe(false)
    expect((await s.list()).map((r) => r.node).sort()).toEqual(['n1', 'n3'])
  })

  it('never reassigns an id a registered service runs with, even when its lease expired', async () => {
    const s = await store({ size: 1, leaseMs: 1000, holderTtlMs: 500 })
    const a = await s.lease(key('n1'), 0, unknown)
    await expect(s.lease(key('n2'), 5000, unknown, [a.machineId])).rejects.toMatchObject({
      code: 'CENTER_MACHINE_IDS_EXHAUSTED',
    })
    expect((await s.lease(key('n2'), 5000, unknown)).machineId).toBe(a.machineId)
  })

  it('refuses malformed requests with CENTER_BAD_LEASE', async () => {
    const s = await store()
    for (const bad of [
      key(''),
      key('n', ''),
      key('n', 'k', -1),
      key('n', 'k', 1.5),
      key('n', 'k', 0, 'x'.repeat(65)),
    ])
      await expect(s.lease(bad, 0, unknown)).rejects.toMatchObject({ code: 'CENTER_BAD_LEASE' })
  })

  it('never hands one id to two keys asking at once (40 concurrent requests, 20 repeated keys)', async () => {
    const s = await store()
    const other = await store({ database: s.database })
    const asks = Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? s : other).lease(key(`node-${i % 20}`), 1000, unknown),
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
      await serverUrl(),
      `SELECT COUNT(*) AS n FROM \`${s.database}\`.machine_ids WHERE node IS NOT NULL`,
    )
    expect(Number(rows[0]!.n)).toBe(20)
  })
})

describe('holderDecision', () => {
  const row = (holder: string | null, holderUntilMs: number) => ({ holder, holderUntilMs })
  it('lets the registry decide first, then the claim’s expiry', () => {
    expect(holderDecision(row('a', 0), 'a', 10, 'live')).toBe('same')
    expect(holderDecision(row('a', 100), 'b', 10, 'live')).toBe('held')
    expect(holderDecision(row('a', 0), 'b', 10, 'live')).toBe('held')
    expect(holderDecision(row('a', 100), 'b', 10, 'dead')).toBe('free')
    expect(holderDecision(row('a', 100), 'b', 10, undefined)).toBe('held')
    expect(holderDecision(row('a', 10), 'b', 10, undefined)).toBe('free')
    expect(holderDecision(row(null, 100), 'b', 10, undefined)).toBe('free')
  })
})
