// Durable timers through real processes (center, login, gateway, logic on
// MariaDB). The storage flush interval is long, so what the logic wrote is
// only in its journal when it is killed: a timer set before a kill -9 fires
// once after the logic comes back; one that fired before a kill -9 (its
// fired mark and its effect on the player row's gold are one storage group:
// one journal record, one transaction) never fires again and pays once; one
// whose fire record was torn by the kill fires again, and still pays once.
import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import {
  ProfileGet,
  ProfileGetRes,
  TimerCancel,
  TimerCancelRes,
  TimerFired,
  TimerList,
  TimerListRes,
  TimerSet,
  TimerSetRes,
} from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { connectPlayer, type FeaturePlayer } from './support/feature-player.js'
import type { GameCluster } from './support/game-cluster.js'
import { newAccount, register } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const HOUR = 3600_000
/** What the sample kind `upgrade` pays on the player row per fired timer (timer-kinds.ts). */
const GOLD = 100n
/**
 * The logic's clock offset so far. It only grows: the logic's snowflake ids
 * never run backwards (a restart with the clock behind its last id fails).
 */
let offset = 0

/** kill -9 logic 1, then start it with its wall clock `moveBy` further ahead. */
async function killAndRestart(cluster: GameCluster, p: FeaturePlayer, moveBy = 0): Promise<void> {
  await cluster.logics.get(1)!.kill9()
  await p.close()
  offset += moveBy
  await cluster.startLogic(1, offset === 0 ? [] : ['--testClock.offsetMs', String(offset)])
}

function session(cluster: GameCluster, account: string): Promise<FeaturePlayer> {
  return connectPlayer(cluster, account, [TimerFired])
}

function list(p: FeaturePlayer) {
  return p.client.request(TimerList, {}, { response: TimerListRes })
}

function set(p: FeaturePlayer, key: string, delayMs: number, kind = 'upgrade') {
  return p.client.request(TimerSet, { kind, key, delayMs: BigInt(delayMs) }, { response: TimerSetRes })
}

async function gold(p: FeaturePlayer): Promise<bigint> {
  const r = await p.client.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
  return r.profile!.gold
}

/**
 * Cut the last journal record logic 1 wrote in half, as a kill -9 in the
 * middle of its write would. Returns that record's payload (before the cut).
 */
function tearLastJournalRecord(cluster: GameCluster): string {
  // The storage keeps <app.dataDir>/storage/<database>/journal-*.log.
  const root = path.join(cluster.dir, 'logic-1', 'storage')
  const dbDir = readdirSync(root, { withFileTypes: true }).find(
    (d) => d.isDirectory() && readdirSync(path.join(root, d.name)).some((f) => f.startsWith('journal-')),
  )
  if (dbDir === undefined) throw new Error(`no journal under ${root}`)
  const dir = path.join(root, dbDir.name)
  const segments = readdirSync(dir)
    .filter((f) => /^journal-\d+\.log$/.test(f))
    .sort()
    .map((f) => path.join(dir, f))
    .filter((f) => readFileSync(f).length > 0)
  const file = segments.at(-1)
  if (file === undefined) throw new Error('the journal is empty')
  const buf = readFileSync(file)
  // Frames: u32 LE length, u32 LE CRC-32, payload.
  let last = -1
  for (let off = 0; off + 8 <= buf.length; off += 8 + buf.readUInt32LE(off)) last = off
  const len = buf.readUInt32LE(last)
  const fd = openSync(file, 'r+')
  try {
    ftruncateSync(fd, last + 8 + Math.floor(len / 2))
  } finally {
    closeSync(fd)
  }
  return buf.subarray(last + 8, last + 8 + len).toString('utf8')
}

describe('durable timers', () => {
  const cluster = useGameCluster({
    flushIntervalMs: 60_000,
    logicArgs: ['--timers.maxPerPlayer', '4'],
  })

  it('a timer set before kill -9 fires once, at login, after the logic comes back', async () => {
    const account = newAccount('tk')
    await register(cluster(), account)
    let p = await session(cluster(), account)
    const gold0 = await gold(p)
    const t = (await set(p, 'barracks', 8 * HOUR)).timer!
    expect(t).toMatchObject({ id: 1, kind: 'upgrade', key: 'barracks' })
    expect(t.dueMs - t.setMs).toBe(BigInt(8 * HOUR))
    // Back 8 h and a minute later (the logic's wall clock moved at start).
    await killAndRestart(cluster(), p, 8 * HOUR + 60_000)
    p = await session(cluster(), account)
    let l = await list(p)
    expect(p.got(TimerFired)).toMatchObject([
      {
        timer: { id: 1, key: 'barracks' },
        effect: { kind: 'upgrade', key: 'barracks', level: 1 },
        atLogin: true,
      },
    ])
    expect(l.timers).toEqual([])
    expect(l.effects).toEqual([{ kind: 'upgrade', key: 'barracks', level: 1 }])
    expect(await gold(p)).toBe(gold0 + GOLD)
    await p.close()

    // Once: not at the next login, not after another kill -9 and restart.
    p = await session(cluster(), account)
    expect((await list(p)).effects).toEqual([{ kind: 'upgrade', key: 'barracks', level: 1 }])
    expect(p.got(TimerFired)).toEqual([])
    await killAndRestart(cluster(), p, HOUR)
    p = await session(cluster(), account)
    l = await list(p)
    expect(l.effects).toEqual([{ kind: 'upgrade', key: 'barracks', level: 1 }])
    expect(p.got(TimerFired)).toEqual([])
    expect(await gold(p)).toBe(gold0 + GOLD)
    await p.close()
  }, 300_000)

  it('fires on the wheel while the player is online, once, also across a kill -9 right after', async () => {
    const account = newAccount('tw')
    await register(cluster(), account)
    let p = await session(cluster(), account)
    const gold0 = await gold(p)
    await set(p, 'mine', 1500)
    await set(p, 'mine', 2500)
    const first = await p.next(TimerFired, 0, 60_000)
    const second = await p.next(TimerFired, 1, 60_000)
    expect([first, second]).toMatchObject([
      { timer: { id: 1 }, effect: { level: 1 }, atLogin: false },
      { timer: { id: 2 }, effect: { level: 2 }, atLogin: false },
    ])
    // Killed right after the fire, before any flush: the fired mark and the
    // gold on the player row are one journal record, replayed in one transaction.
    await killAndRestart(cluster(), p)
    p = await session(cluster(), account)
    const l = await list(p)
    expect(l.timers).toEqual([])
    expect(l.effects).toEqual([{ kind: 'upgrade', key: 'mine', level: 2 }])
    expect(p.got(TimerFired)).toEqual([])
    expect(await gold(p)).toBe(gold0 + 2n * GOLD)
    await p.close()
  }, 300_000)

  it('a kill -9 in the middle of writing the fire record: fired again after the restart, paid once', async () => {
    const account = newAccount('tt')
    await register(cluster(), account)
    let p = await session(cluster(), account)
    const gold0 = await gold(p)
    await set(p, 'forge', 1500)
    expect(await p.next(TimerFired, 0, 60_000)).toMatchObject({ timer: { id: 1 }, atLogin: false })
    await cluster().logics.get(1)!.kill9()
    await p.close()
    // The last record is the fire (the timer's removal; grouped with the gold).
    const torn = tearLastJournalRecord(cluster())
    expect(torn).toContain('"player_timer"')
    await cluster().startLogic(1, offset === 0 ? [] : ['--testClock.offsetMs', String(offset)])
    p = await session(cluster(), account)
    const l = await list(p)
    // Neither half survived: the timer was pending again and fired at login, paying once.
    expect(p.got(TimerFired)).toMatchObject([{ timer: { id: 1, key: 'forge' }, atLogin: true }])
    expect(l.timers).toEqual([])
    expect(l.effects).toEqual([{ kind: 'upgrade', key: 'forge', level: 1 }])
    expect(await gold(p)).toBe(gold0 + GOLD)
    // Because the torn record held both rows' changes: one group.
    expect(torn).toContain('"player"')
    await p.close()
  }, 300_000)

  it('a timer due while the player is away fires at the next login, once; a cancelled one never', async () => {
    const account = newAccount('to')
    await register(cluster(), account)
    let p = await session(cluster(), account)
    const gold0 = await gold(p)
    await set(p, 'farm', 1000)
    const keep = (await set(p, 'wall', HOUR)).timer!
    const gone = (await set(p, 'tower', 1000)).timer!
    expect(
      (await p.client.request(TimerCancel, { id: gone.id }, { response: TimerCancelRes })).timer,
    ).toMatchObject({
      id: gone.id,
      key: 'tower',
    })
    await p.close()
    // Away past the due time: nothing can fire (the player is not loaded).
    await new Promise((r) => setTimeout(r, 2500))
    p = await session(cluster(), account)
    const l = await list(p)
    expect(p.got(TimerFired)).toMatchObject([{ timer: { key: 'farm' }, effect: { level: 1 }, atLogin: true }])
    expect(l.timers).toMatchObject([{ id: keep.id, key: 'wall' }])
    expect(l.effects).toEqual([{ kind: 'upgrade', key: 'farm', level: 1 }])
    expect(await gold(p)).toBe(gold0 + GOLD) // the cancelled one paid nothing
    await p.close()
    p = await session(cluster(), account)
    await list(p)
    expect(p.got(TimerFired)).toEqual([])
    await p.close()
  }, 120_000)

  it('refuses bad timers with typed errors and changes nothing', async () => {
    const account = newAccount('tr')
    await register(cluster(), account)
    const p = await session(cluster(), account)
    await expect(set(p, 'a', 1000, 'teleport')).rejects.toMatchObject({ code: 'TIMERS_UNKNOWN_KIND' })
    await expect(set(p, 'a', 0)).rejects.toMatchObject({ code: 'TIMERS_BAD_DELAY' })
    await expect(set(p, 'a', 30 * 24 * HOUR + 1)).rejects.toMatchObject({ code: 'TIMERS_BAD_DELAY' })
    await expect(set(p, 'a b', 1000)).rejects.toMatchObject({ code: 'TIMERS_BAD_KEY' })
    await expect(p.client.request(TimerCancel, { id: 99 })).rejects.toMatchObject({
      code: 'TIMERS_NOT_FOUND',
    })
    for (let i = 0; i < 4; i++) await set(p, `k${i}`, HOUR)
    await expect(set(p, 'k4', HOUR)).rejects.toMatchObject({ code: 'TIMERS_TOO_MANY' })
    expect((await list(p)).timers.map((t) => t.key)).toEqual(['k0', 'k1', 'k2', 'k3'])
    await p.close()
  }, 120_000)
})
