// The icon catalogue end to end, on real processes: `tessera-icons apply`
// writes the sample set to the catalogue database, logic reads it, and a
// client gets it pushed at its player's first connect; not again at the
// next login or when it names the current hash; a changed catalogue (the
// tool applied again) reaches clients online on either logic without a
// restart. The avatar is checked against the catalogue logic holds.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TesseraClient } from '@tessera/client'
import {
  CatalogueSync,
  CatalogueSyncRes,
  CatalogueUpdate,
  ProfileSet,
  ProfileSetRes,
} from '@tessera/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientFor, logicOf, login, newAccount, register, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const SAMPLE = fileURLToPath(new URL('../../tools/icons/sample/', import.meta.url))
const sampleIcons = JSON.parse(readFileSync(path.join(SAMPLE, 'icons.json'), 'utf8')).icons as {
  id: number
  name: string
  description: string
}[]

/** A connected client that records every CatalogueUpdate from its first frame on. */
async function player(cluster: ReturnType<ReturnType<typeof useGameCluster>>, account?: string) {
  const acc = account ?? newAccount('cat')
  if (!account) await register(cluster, acc)
  const h = await login(cluster, acc)
  const client = clientFor(h.handoff, 'tcp')
  const updates: CatalogueUpdate[] = []
  client.onPush(CatalogueUpdate, (m) => updates.push(m))
  await client.connect()
  return { account: acc, client, updates }
}

/** The icons of the parts of one hash, once all of them arrived. */
function assemble(updates: CatalogueUpdate[], hash: string) {
  const parts = updates.filter((u) => u.hash === hash)
  if (parts.length === 0 || parts.length !== parts[0]!.parts) return null
  return parts.sort((a, b) => a.part - b.part).flatMap((p) => p.icons)
}

describe('icon catalogue delivery', () => {
  const cluster = useGameCluster({
    logics: [1, 2],
    gateways: [201, 202],
    logicArgs: ['--logic.catalogue.pollMs', '200'],
  })
  const clients: TesseraClient[] = []
  let hash = ''
  let changedDir = ''

  beforeAll(async () => {
    hash = await cluster().applyIcons()
    // Both logics have read it (they poll every 200 ms).
    for (const [id, proc] of cluster().logics)
      await proc.waitFor(
        (l) => l.msg === 'catalogue loaded' && l.hash === hash,
        30_000,
        `logic#${id} catalogue`,
      )
  }, 60_000)
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()))
    if (changedDir) rmSync(changedDir, { recursive: true, force: true })
  })

  it('is pushed whole at the first connect: ids, names, descriptions and the PNG bytes', async () => {
    const p = await player(cluster())
    clients.push(p.client)
    // The join push precedes the answer to the first request.
    const res = await p.client.request(CatalogueSync, { hash }, { response: CatalogueSyncRes })
    expect(res).toEqual({ hash, upToDate: true })
    const icons = assemble(p.updates, hash)
    expect(icons).not.toBeNull()
    expect(icons!.map((i) => [i.id, i.name, i.description])).toEqual(
      [...sampleIcons].sort((a, b) => a.id - b.id).map((i) => [i.id, i.name, i.description]),
    )
    for (const i of icons!) {
      const file = readFileSync(path.join(SAMPLE, `${i.name}.png`))
      expect(Buffer.from(i.png).equals(file), i.name).toBe(true)
      expect(i.width).toBeGreaterThan(0)
    }
  }, 60_000)

  it('is not pushed again: next login, and a client naming the current hash, get nothing more', async () => {
    const first = await player(cluster())
    await first.client.request(CatalogueSync, { hash }, { response: CatalogueSyncRes })
    expect(first.updates.length).toBeGreaterThan(0)
    await first.client.close()
    const again = await player(cluster(), first.account)
    clients.push(again.client)
    const res = await again.client.request(CatalogueSync, { hash }, { response: CatalogueSyncRes })
    expect(res.upToDate).toBe(true)
    // Anything pushed at the join would have arrived before this answer.
    expect(again.updates).toEqual([])
  }, 60_000)

  it('is pushed again to a client that names another hash (lost cache), before the answer', async () => {
    const p = await player(cluster())
    clients.push(p.client)
    await p.client.request(CatalogueSync, { hash }, { response: CatalogueSyncRes })
    const before = p.updates.length
    const res = await p.client.request(CatalogueSync, { hash: '' }, { response: CatalogueSyncRes })
    expect(res).toEqual({ hash, upToDate: false })
    expect(assemble(p.updates.slice(before), hash)).toHaveLength(sampleIcons.length)
  }, 60_000)

  it('checks the avatar against the catalogue (PROFILE_BAD_AVATAR), and a changed catalogue reaches online clients on both logics', async () => {
    // Players until one is on each logic (the shard map decides; its row shows where).
    const byLogic = new Map<number, Awaited<ReturnType<typeof player>>>()
    for (let i = 0; i < 16 && byLogic.size < 2; i++) {
      const p = await player(cluster())
      clients.push(p.client)
      await p.client.request(CatalogueSync, { hash }, { response: CatalogueSyncRes })
      const userId = String(
        (await p.client.request(ProfileSet, {}, { response: ProfileSetRes })).profile!.userId,
      )
      const on = await logicOf(cluster(), userId)
      if (!byLogic.has(on)) byLogic.set(on, p)
    }
    expect([...byLogic.keys()].sort()).toEqual([1, 2])
    const a = byLogic.get(1)!
    const set = await a.client.request(ProfileSet, { avatarIconId: 10 }, { response: ProfileSetRes })
    expect(set.profile?.avatarIconId).toBe(10)
    await expect(a.client.request(ProfileSet, { avatarIconId: 30, motto: 'not kept' })).rejects.toMatchObject(
      {
        code: 'PROFILE_BAD_AVATAR',
      },
    )
    const cleared = await a.client.request(ProfileSet, { avatarIconId: 0 }, { response: ProfileSetRes })
    expect(cleared.profile?.avatarIconId).toBe(0)
    expect(cleared.profile?.motto).toBeUndefined()

    // A designer adds icon 30 and rewords icon 1; the operator applies it. No restart.
    changedDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-icons-changed-'))
    cpSync(SAMPLE, changedDir, { recursive: true })
    cpSync(path.join(SAMPLE, 'gem.png'), path.join(changedDir, 'crown.png'))
    const icons = sampleIcons.map((i) => (i.id === 1 ? { ...i, description: 'Gold coin, reworded.' } : i))
    icons.push({ id: 30, name: 'crown', description: 'Crown: the top rank.' })
    writeFileSync(path.join(changedDir, 'icons.json'), JSON.stringify({ icons }))
    const next = await cluster().applyIcons(changedDir)
    expect(next).not.toBe(hash)
    for (const [id, p] of byLogic) {
      await until(() => assemble(p.updates, next) !== null, 30_000, `the new catalogue on logic#${id}`)
      const got = assemble(p.updates, next)!
      expect(got.map((i) => i.id)).toEqual([1, 2, 3, 10, 11, 20, 30])
      expect(got[0]!.description).toBe('Gold coin, reworded.')
    }
    // The new icon is a valid avatar now, on either logic.
    for (const p of byLogic.values()) {
      const r = await p.client.request(ProfileSet, { avatarIconId: 30 }, { response: ProfileSetRes })
      expect(r.profile?.avatarIconId).toBe(30)
    }
    // Delivered once: a client now naming the new hash is up to date, nothing more pushed.
    const n = a.updates.length
    expect(
      (await a.client.request(CatalogueSync, { hash: next }, { response: CatalogueSyncRes })).upToDate,
    ).toBe(true)
    expect(a.updates.length).toBe(n)
  }, 180_000)
})
