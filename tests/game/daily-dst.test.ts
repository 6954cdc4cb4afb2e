// Daily resets across the two DST changes of Europe/Berlin, through real
// processes: the reset is at 02:30 local, a time that does not exist on the
// spring-forward day and happens twice on the fall-back day. The logic is
// restarted at each instant with its wall clock moved (testClock.offsetMs);
// exactly one reset per game day, never two, never none.
import { gameDay } from '@tessera/kernel'
import { DailyGet, DailyGetRes, DailyReset } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { connectPlayer } from './support/feature-player.js'
import { newAccount, register } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const RESET = { hour: 2, minute: 30, timeZone: 'Europe/Berlin' }

describe('daily resets across DST', () => {
  const cluster = useGameCluster({
    logicArgs: [
      '--calendar.timeZone',
      RESET.timeZone,
      '--calendar.resetHour',
      '2',
      '--calendar.resetMinute',
      '30',
    ],
  })

  it('one reset per game day through spring forward and fall back (Europe/Berlin, 02:30)', async () => {
    const account = newAccount('dst')
    await register(cluster(), account)
    // [wall clock of the logic, resets expected at login, what it is]
    const phases: [number, number, string][] = [
      [Date.UTC(2027, 2, 27, 12), 0, 'first sign-in, Saturday March 27'],
      [Date.UTC(2027, 2, 28, 0, 50), -1, '01:50 CET on the 28th: before the jump, still the 27th'],
      [Date.UTC(2027, 2, 28, 1, 5), 1, '03:05 CEST: 02:30 never happened, the 28th began at the jump'],
      [Date.UTC(2027, 2, 28, 21, 0), -1, 'later on the 23-hour day: nothing more'],
      [Date.UTC(2027, 9, 31, 0, 40), 217, '02:40 CEST on October 31: the first 02:30 was the reset'],
      [Date.UTC(2027, 9, 31, 1, 40), -1, '02:40 CET, after the second 02:30: no second reset'],
      [Date.UTC(2027, 10, 1, 1, 20), -1, '02:20 CET on November 1: still the 25-hour 31st'],
      [Date.UTC(2027, 10, 1, 1, 35), 1, '02:35 CET on November 1: the next day'],
    ]
    let coins = 0n
    for (const [wall, crossed, what] of phases) {
      await cluster().logics.get(1)!.stop()
      await cluster().startLogic(1, ['--testClock.offsetMs', String(wall - Date.now())])
      const p = await connectPlayer(cluster(), account, [DailyReset])
      const s = (await p.client.request(DailyGet, {}, { response: DailyGetRes })).state!
      await p.close()
      const pushes = p.got(DailyReset)
      if (crossed < 0) expect(pushes, what).toEqual([])
      else {
        coins += 100n
        expect(pushes, what).toMatchObject([{ daysCrossed: crossed, atLogin: true }])
      }
      expect(s.dayKey, what).toBe(gameDay(wall, RESET))
      expect(s.coins, what).toBe(coins)
    }
  }, 600_000)
})
