// Daily resets through real processes (center, login, gateway, logic on
// MariaDB) with a controllable clock: the logic is restarted between phases
// with its wall clock moved (testClock.offsetMs, honoured only under
// NODE_ENV=test). A player away across 1 and then 3 resets is caught up once
// at login, never twice (re-login, logic restart); a player online at the
// reset gets the push.
import { nextReset } from '@tessera/kernel'
import { DailyGet, DailyGetRes, DailyReset, TaskProgress, TaskProgressRes } from '@tessera/protocol'
import { serverUrl, sql } from '@tessera/storage/testing'
import { describe, expect, it } from 'vitest'
import { connectPlayer, type FeaturePlayer } from './support/feature-player.js'
import type { GameCluster } from './support/game-cluster.js'
import { newAccount, register } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const DAY = 86_400_000
const RESET = { hour: 5, minute: 0, timeZone: 'UTC' }
const COINS = 100

/** Restart logic 1 with its wall clock at `wallMs` (from now on). */
async function restartAt(cluster: GameCluster, wallMs: number): Promise<void> {
  await cluster.logics.get(1)!.stop()
  await cluster.startLogic(1, ['--testClock.offsetMs', String(Math.round(wallMs - Date.now()))])
}

async function session(cluster: GameCluster, account: string): Promise<FeaturePlayer> {
  return connectPlayer(cluster, account, [DailyReset])
}

async function state(p: FeaturePlayer) {
  return (await p.client.request(DailyGet, {}, { response: DailyGetRes })).state!
}

async function dbDoc(cluster: GameCluster, userId: string): Promise<Record<string, unknown>> {
  const db = `logic_${cluster.machineIds.get(1)}`
  const rows = (await sql(await serverUrl(), `SELECT doc FROM \`${db}\`.player_daily WHERE id = ?`, [
    userId,
  ])) as { doc: string | Record<string, unknown> }[]
  const d = rows[0]!.doc
  return typeof d === 'string' ? (JSON.parse(d) as Record<string, unknown>) : d
}

describe('daily resets across logic restarts', () => {
  const cluster = useGameCluster({ logicArgs: ['--calendar.timeZone', 'UTC', '--calendar.resetHour', '5'] })
  // Mid-afternoon of a future game day: hours from any reset, so a phase never straddles one.
  const anchor = nextReset(Date.now() + DAY, RESET) + 12 * 3600_000

  it('catches a player up once after 1 and after 3 resets; online at the reset, a push', async () => {
    const account = newAccount('dr')
    const userId = await register(cluster(), account)

    // Day 0: the first sign-in.
    await restartAt(cluster(), anchor)
    let p = await session(cluster(), account)
    let s = await state(p)
    expect(p.got(DailyReset)).toMatchObject([{ daysCrossed: 0, rewardCoins: COINS, atLogin: true }])
    expect(s).toMatchObject({ coins: BigInt(COINS), signIns: 1, streak: 1 })
    const day0 = s.dayKey
    s = (await p.client.request(TaskProgress, { taskId: 1, amount: 5 }, { response: TaskProgressRes })).state!
    expect(s.dayTasks).toEqual([{ taskId: 1, count: 5 }])
    await p.close()
    // Logging in again the same day: nothing.
    p = await session(cluster(), account)
    expect(await state(p)).toMatchObject({ coins: BigInt(COINS), dayTasks: [{ taskId: 1, count: 5 }] })
    expect(p.got(DailyReset)).toEqual([])
    await p.close()

    // Away across one reset (the logic restarted meanwhile): one catch-up at login.
    await restartAt(cluster(), anchor + DAY)
    p = await session(cluster(), account)
    s = await state(p)
    expect(p.got(DailyReset)).toMatchObject([{ daysCrossed: 1, rewardCoins: COINS, atLogin: true }])
    expect(s).toMatchObject({
      dayKey: day0 + 1,
      coins: BigInt(2 * COINS),
      signIns: 2,
      streak: 2,
      dayTasks: [],
    })
    await p.close()

    // Away across three resets: one catch-up, one reward.
    await restartAt(cluster(), anchor + 4 * DAY)
    p = await session(cluster(), account)
    s = await state(p)
    expect(p.got(DailyReset)).toMatchObject([{ daysCrossed: 3, rewardCoins: COINS, atLogin: true }])
    expect(s).toMatchObject({ dayKey: day0 + 4, coins: BigInt(3 * COINS), signIns: 3, streak: 1 })
    await p.client.request(TaskProgress, { taskId: 2, amount: 1 }, { response: TaskProgressRes })
    await p.close()

    // The same game day after another restart: no second reward.
    await restartAt(cluster(), anchor + 4 * DAY + 3600_000)
    p = await session(cluster(), account)
    expect(await state(p)).toMatchObject({ coins: BigInt(3 * COINS), dayTasks: [{ taskId: 2, count: 1 }] })
    expect(p.got(DailyReset)).toEqual([])
    await p.close()
    expect(await dbDoc(cluster(), userId)).toMatchObject({ day: day0 + 4, coins: 3 * COINS, signIns: 3 })

    // Online at the reset: the push, once. The logic starts LEAD before the
    // next reset; a start slower than that (a loaded machine) is retried
    // with more lead, so the player is surely online when it strikes.
    const reset = anchor + 4 * DAY + 12 * 3600_000
    for (let lead = 30_000; ; lead *= 2) {
      await restartAt(cluster(), reset - lead)
      p = await session(cluster(), account)
      s = await state(p)
      if (s.nowMs < BigInt(reset) - 2000n) break
      await p.close()
      if (lead > 120_000) throw new Error('logic never came up before the reset')
    }
    expect(s).toMatchObject({ dayKey: day0 + 4, coins: BigInt(3 * COINS) })
    expect(p.got(DailyReset)).toEqual([])
    const pushed = await p.next(DailyReset, 0, 300_000)
    expect(pushed).toMatchObject({ daysCrossed: 1, weeksCrossed: expect.any(Number), atLogin: false })
    expect(pushed.state).toMatchObject({
      dayKey: day0 + 5,
      coins: BigInt(4 * COINS),
      streak: 2,
      dayTasks: [],
    })
    expect(await state(p)).toMatchObject({ dayKey: day0 + 5, coins: BigInt(4 * COINS) })
    expect(p.got(DailyReset)).toHaveLength(1)
    await p.close()
    // And not again at the next login.
    p = await session(cluster(), account)
    expect(await state(p)).toMatchObject({ coins: BigInt(4 * COINS) })
    expect(p.got(DailyReset)).toEqual([])
    await p.close()
  }, 600_000)

  it('refuses progress on an unknown task or out of range, and counts nothing', async () => {
    const account = newAccount('dq')
    await register(cluster(), account)
    const p = await session(cluster(), account)
    await expect(p.client.request(TaskProgress, { taskId: 9, amount: 1 })).rejects.toMatchObject({
      code: 'DAILY_UNKNOWN_TASK',
    })
    await expect(p.client.request(TaskProgress, { taskId: 1, amount: 0 })).rejects.toMatchObject({
      code: 'DAILY_BAD_AMOUNT',
    })
    await expect(p.client.request(TaskProgress, { taskId: 1, amount: 101 })).rejects.toMatchObject({
      code: 'DAILY_BAD_AMOUNT',
    })
    const s = (
      await p.client.request(TaskProgress, { taskId: 3, amount: 100 }, { response: TaskProgressRes })
    ).state!
    expect(s.dayTasks).toEqual([{ taskId: 3, count: 100 }])
    await p.close()
  }, 120_000)
})
