// Adding a logic process and moving shards of players to it, on real
// processes (center with the shard table, login, two gateways, logic 1,
// then logic 2 added) and the real MariaDB: players keep changing their
// profile during the move; the moved ones are fenced on logic 1, their
// sessions resume on logic 2, and every acknowledged change is there
// exactly once (docs/operations.md "Players across logic processes").
import type { TesseraClient } from '@tessera/client'
import { ShardMap } from '@tessera/kernel'
import {
  ProfileGainExp,
  ProfileGainExpRes,
  ProfileGet,
  ProfileGetRes,
  ProfileSet,
  ProfileSetRes,
} from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { clientFor, login, newAccount, register, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

/** Total exp of a (level, exp) pair under the sample rule (100 × (L + 1) per level). */
const totalExp = (level: number, exp: number): number => {
  let t = exp
  for (let l = 0; l < level; l++) t += 100 * (l + 1)
  return t
}

interface Playing {
  account: string
  userId: bigint
  sessionToken: string
  client: TesseraClient
  /** Exp gains acknowledged (each +1). */
  gains: number
  lastMotto: string
  resumed: number
  lost: number
  errors: unknown[]
}

describe('moving shards of players to an added logic', () => {
  const cluster = useGameCluster({ logics: [1], gateways: [201, 202], shardTable: true })
  const map = new ShardMap([1], 4096)
  // Shards the first case moved to logic 2 (a later case needs a player still on logic 1).
  const movedShards = new Set<number>()

  it('fences the movers, resumes their sessions on the new logic, and keeps every acknowledged change once', async () => {
    const c = cluster()
    // One player offline across the move, with a change made before it.
    const offAccount = newAccount('sm-off')
    const offId = BigInt(await register(c, offAccount))
    const offLogin = await login(c, offAccount)
    const off = clientFor(offLogin.handoff, 'tcp')
    await off.connect()
    await off.request(ProfileGainExp, { amount: 7 }, { response: ProfileGainExpRes })
    await off.close()
    await c.api('logout', { sessionToken: offLogin.sessionToken })

    const players: Playing[] = []
    for (let i = 0; i < 8; i++) {
      const account = newAccount('sm')
      const userId = BigInt(await register(c, account))
      const a = await login(c, account)
      const client = clientFor(a.handoff, i % 2 === 0 ? 'tcp' : 'ws')
      const p: Playing = {
        account,
        userId,
        sessionToken: a.sessionToken,
        client,
        gains: 0,
        lastMotto: '',
        resumed: 0,
        lost: 0,
        errors: [],
      }
      client.on('open', (e) => {
        if (e.resumed) p.resumed++
      })
      client.on('sessionLost', () => p.lost++)
      await client.connect()
      players.push(p)
    }
    // Both gateways are in play.
    const at = await Promise.all(players.map((p) => c.onlineAt(String(p.userId))))
    expect(new Set(at).size).toBe(2)

    // Every player changes its profile in a loop: +1 exp, and a new motto every few.
    let playing = true
    const loops = players.map(async (p) => {
      for (let n = 0; playing && n < 100_000; n++) {
        try {
          await p.client.request(ProfileGainExp, { amount: 1 }, { response: ProfileGainExpRes })
          p.gains++
          if (n % 5 === 0) {
            const motto = `m-${n}`
            await p.client.request(ProfileSet, { motto }, { response: ProfileSetRes })
            p.lastMotto = motto
          }
        } catch (err) {
          p.errors.push(err)
          return
        }
        // Below the gateway's flood limit (clientMsgRatePerSec 100).
        await new Promise((r) => setTimeout(r, 25))
      }
    })
    await until(() => players.every((p) => p.gains >= 5), 30_000, 'every player playing')

    // The operator adds logic 2 and moves the shards of half the players (and the offline one) to it.
    await c.addLogic(2)
    const movers = players.slice(0, 4)
    // The owner epochs of the movers' rows on logic 1 before the move (the rows are flushed every 200 ms).
    const epochBefore = new Map<bigint, bigint>()
    for (const p of movers)
      await until(
        async () => {
          const r = await c.playerRow(1, String(p.userId))
          if (r !== undefined) epochBefore.set(p.userId, BigInt(String(r._epoch)))
          return r !== undefined
        },
        15_000,
        `the row of ${p.userId} on logic 1`,
      )
    const shards = [...new Set([...movers.map((p) => map.shardOf(p.userId)), map.shardOf(offId)])]
    for (const sh of shards) movedShards.add(sh)
    const stayers = players.slice(4).filter((p) => !shards.includes(map.shardOf(p.userId)))
    const moved = await c.admin<{
      ok: boolean
      moved: { users: number; sessions: number; shards: number[] }[]
    }>('/admin/shards/move', { to: 2, shards })
    expect(moved.status, JSON.stringify(moved.json)).toBe(200)
    expect(moved.json.ok).toBe(true)
    expect(moved.json.moved[0]!.shards.sort()).toEqual([...shards].sort())
    expect(moved.json.moved[0]!.sessions).toBeGreaterThanOrEqual(4)

    // Play on for a while after the move (the movers now on logic 2).
    const after = players.map((p) => p.gains)
    const state = () =>
      players
        .map(
          (p, i) =>
            `${p.userId}: ${after[i]}→${p.gains} ${p.client.state} resumed ${p.resumed} lost ${p.lost} ${p.errors.map(String).join(';')}`,
        )
        .join('\n')
    await until(
      () => players.every((p, i) => p.gains >= after[i]! + 5),
      30_000,
      'every player playing after the move',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${state()}`)
    })
    playing = false
    await Promise.all(loops)

    for (const p of players) {
      expect(p.errors).toEqual([])
      expect(p.lost).toBe(0)
      const got = await p.client.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
      // Exactly once: every acknowledged +1 and nothing more.
      expect(totalExp(got.profile!.level, got.profile!.exp)).toBe(p.gains)
      expect(got.profile!.motto ?? '').toBe(p.lastMotto)
    }
    for (const p of movers) expect(p.resumed).toBeGreaterThanOrEqual(1)
    for (const p of stayers) expect(p.resumed).toBe(0)

    // The rows: movers on logic 2 (logic 1's copies fenced at an epoch at least the copy's), stayers on logic 1.
    for (const p of players) {
      await p.client.close()
      await c.api('logout', { sessionToken: p.sessionToken })
    }
    for (const p of movers) {
      await until(
        async () => {
          const r = await c.playerRow(2, String(p.userId))
          return r !== undefined && totalExp(Number(r.level), Number(r.exp)) === p.gains
        },
        15_000,
        `the row of mover ${p.userId} on logic 2`,
      )
      const old = await c.playerRow(1, String(p.userId))
      const now = await c.playerRow(2, String(p.userId))
      // Fenced: logic 1's row was raised past the epoch logic 1 wrote with, so any late write of its is refused...
      expect(BigInt(String(old!._epoch))).toBeGreaterThan(epochBefore.get(p.userId)!)
      // ...and logic 2 holds it under a still newer one.
      expect(BigInt(String(old!._epoch))).toBeLessThan(BigInt(String(now!._epoch)))
    }
    for (const p of stayers) {
      await until(
        async () => {
          const r = await c.playerRow(1, String(p.userId))
          return r !== undefined && totalExp(Number(r.level), Number(r.exp)) === p.gains
        },
        15_000,
        `the row of stayer ${p.userId} on logic 1`,
      )
      expect(await c.playerRow(2, String(p.userId))).toBeUndefined()
    }

    // The offline player logs in on logic 2 with its change.
    const back = await login(c, offAccount)
    const again = clientFor(back.handoff, 'tcp')
    await again.connect()
    const prof = await again.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
    expect(totalExp(prof.profile!.level, prof.profile!.exp)).toBe(7)
    await again.close()
    await until(
      async () => (await c.playerRow(2, String(offId))) !== undefined,
      15_000,
      'the offline row on logic 2',
    )

    // The table says so, and a bad move is refused with a reason.
    const view = (await (await fetch(`${c.centerAdmin}/admin/shards`)).json()) as {
      perLogic: Record<string, number>
    }
    expect(view.perLogic['2']).toBe(shards.length)
    const bad = await c.admin<{ error: { message: string } }>('/admin/shards/move', { to: 3, count: 1 })
    expect(bad.status).toBe(400)
    expect(bad.json.error.message).toMatch(/not registered/)
  }, 240_000)

  it('refuses bad moves, and gives the shards back to the giver when a move fails', async () => {
    const c = cluster()
    for (const body of [{ to: 2 }, { to: 2, count: 0 }, { to: 2, shards: [4096] }, { to: 'x', count: 1 }]) {
      const r = await c.admin('/admin/shards/move', body)
      expect(r.status, JSON.stringify(body)).toBe(400)
    }
    expect((await c.admin('/admin/shards/move', { to: 2, count: 1 }, null)).status).toBe(401)

    // A player on logic 1 with a change, offline; then logic 1 dies.
    let account = newAccount('sm-fail')
    let userId = BigInt(await register(c, account))
    for (let i = 0; i < 5 && movedShards.has(map.shardOf(userId)); i++) {
      account = newAccount('sm-fail')
      userId = BigInt(await register(c, account))
    }
    expect(movedShards.has(map.shardOf(userId))).toBe(false)
    const a = await login(c, account)
    const cl = clientFor(a.handoff, 'tcp')
    await cl.connect()
    await cl.request(ProfileGainExp, { amount: 3 }, { response: ProfileGainExpRes })
    await cl.close()
    await c.api('logout', { sessionToken: a.sessionToken })
    // Written when logic releases the player after the logout (generous: a loaded box).
    await until(async () => (await c.playerRow(1, String(userId)))?.exp === 3, 60_000, 'the row on logic 1')
    await c.logics.get(1)!.kill9()
    const shard = map.shardOf(userId)
    const r = await c.admin<{ ok: boolean; moved: { ok: boolean; error?: string }[] }>('/admin/shards/move', {
      to: 2,
      shards: [shard],
    })
    expect(r.status).toBe(500)
    expect(r.json.moved[0]!.ok).toBe(false)
    expect(r.json.moved[0]!.error).toMatch(/CLUSTER_/)
    const view = (await (await fetch(`${c.centerAdmin}/admin/shards`)).json()) as { moving: number[] }
    expect(view.moving).toEqual([])

    // The giver keeps the shard: back up, it serves the player with its change.
    await c.startLogic(1)
    const b = await login(c, account)
    const again = clientFor(b.handoff, 'tcp')
    await again.connect()
    const prof = await again.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
    expect(prof.profile!.exp).toBe(3)
    await again.close()
    expect(await c.playerRow(2, String(userId))).toBeUndefined()
  }, 180_000)
})
