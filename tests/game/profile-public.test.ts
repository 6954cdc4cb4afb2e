// Public profiles across logic processes, on real processes: a player reads
// another player's public view (nickname, level, avatar, motto; no gold)
// when that player lives on the other logic: fresh from the loaded row
// while online there, from a narrow SELECT once offline (the row's owner
// epoch untouched: the entity is not loaded). Exp and the level-up rule.
import type { TesseraClient } from '@tessera/client'
import {
  ProfileGainExp,
  ProfileGainExpRes,
  ProfileGet,
  ProfileGetRes,
  ProfilePublicGet,
  ProfilePublicGetRes,
  ProfileSet,
  ProfileSetRes,
} from '@tessera/protocol'
import { serverUrl, sql } from '@tessera/storage/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientFor, logicOf, login, newAccount, register, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

interface Player {
  account: string
  userId: bigint
  client: TesseraClient
  sessionToken: string
}

describe('public profile of a player on another logic process', () => {
  const cluster = useGameCluster({ logics: [1, 2], gateways: [201, 202] })
  const clients: TesseraClient[] = []
  const byLogic = new Map<number, Player>()

  async function connect(account: string): Promise<Player> {
    const h = await login(cluster(), account)
    const client = clientFor(h.handoff, 'ws')
    clients.push(client)
    await client.connect()
    const me = await client.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
    return { account, userId: me.profile!.userId, client, sessionToken: h.sessionToken }
  }

  beforeAll(async () => {
    await cluster().applyIcons()
    await cluster()
      .logics.get(1)!
      .waitFor((l) => l.msg === 'catalogue loaded', 30_000, 'catalogue')
    // Players until one lives on each logic (the shard map decides; the row shows where).
    for (let i = 0; i < 16 && byLogic.size < 2; i++) {
      const account = newAccount('pub')
      await register(cluster(), account, `Pub ${i}`)
      const p = await connect(account)
      const on = await logicOf(cluster(), String(p.userId))
      if (byLogic.has(on)) await p.client.close()
      else byLogic.set(on, p)
    }
    expect([...byLogic.keys()].sort()).toEqual([1, 2])
  }, 120_000)
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()))
  })

  it('reads the online player on the other logic from its loaded row (fresh), then from the database once offline', async () => {
    const a = byLogic.get(1)!
    const b = byLogic.get(2)!
    await a.client.request(
      ProfileSet,
      { motto: 'from logic one', avatarIconId: 11 },
      { response: ProfileSetRes },
    )
    await a.client.request(ProfileGainExp, { amount: 120 }, { response: ProfileGainExpRes })
    const seen = await b.client.request(
      ProfilePublicGet,
      { userId: a.userId },
      { response: ProfilePublicGetRes },
    )
    expect(seen.profile).toEqual({
      userId: a.userId,
      nickname: expect.stringMatching(/^Pub /),
      level: 1,
      avatarIconId: 11,
      motto: 'from logic one',
    })
    // The public view carries no private fields.
    expect(Object.keys(seen.profile!).sort()).toEqual([
      'avatarIconId',
      'level',
      'motto',
      'nickname',
      'userId',
    ])

    // Offline: answered from logic#1's database, by a SELECT that claims nothing.
    await a.client.close()
    await cluster().api('logout', { sessionToken: a.sessionToken })
    const url = await serverUrl()
    const db = `logic_${cluster().machineIds.get(1)}`
    const row = async () =>
      (
        (await sql(url, `SELECT _epoch AS e, motto FROM \`${db}\`.player WHERE id = ?`, [
          String(a.userId),
        ])) as { e: string | number; motto: string }[]
      )[0]!
    await until(async () => (await row()).motto === 'from logic one', 10_000, 'the flushed row')
    const epochBefore = String((await row()).e)
    // A value only the database has: seen once the session on logic#1 is gone.
    await sql(url, `UPDATE \`${db}\`.player SET motto = 'only in the database' WHERE id = ?`, [
      String(a.userId),
    ])
    let offline: ProfilePublicGetRes | undefined
    await until(
      async () => {
        offline = await b.client.request(
          ProfilePublicGet,
          { userId: a.userId },
          { response: ProfilePublicGetRes },
        )
        return offline.profile?.motto === 'only in the database'
      },
      15_000,
      'the public view from the database',
    )
    expect(offline!.profile).toEqual({ ...seen.profile, motto: 'only in the database' })
    expect(String((await row()).e)).toBe(epochBefore)
  }, 60_000)

  it('answers the own profile and refuses an unknown player (PROFILE_NOT_FOUND)', async () => {
    const b = byLogic.get(2)!
    const own = await b.client.request(
      ProfilePublicGet,
      { userId: b.userId },
      { response: ProfilePublicGetRes },
    )
    expect(own.profile?.userId).toBe(b.userId)
    await expect(b.client.request(ProfilePublicGet, { userId: 123_456_789n })).rejects.toMatchObject({
      code: 'PROFILE_NOT_FOUND',
    })
  }, 60_000)

  it('gains exp with the level-up rule, refusing gains outside 1..10000 (PROFILE_BAD_EXP)', async () => {
    const b = byLogic.get(2)!
    // Level 0 → 1 takes 100, 1 → 2 takes 200, 2 → 3 takes 300: 650 = three levels and 50 over.
    const r = await b.client.request(ProfileGainExp, { amount: 650 }, { response: ProfileGainExpRes })
    expect(r).toEqual({ level: 3, exp: 50, levelsUp: 3 })
    for (const amount of [0, 10_001])
      await expect(b.client.request(ProfileGainExp, { amount })).rejects.toMatchObject({
        code: 'PROFILE_BAD_EXP',
      })
    const me = await b.client.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
    expect([me.profile?.level, me.profile?.exp]).toEqual([3, 50])
  }, 60_000)
})
