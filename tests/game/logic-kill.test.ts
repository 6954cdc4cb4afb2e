// kill -9 of a logic process: the players' data is safe (storage journal),
// their sequenced sessions are not. The gateway ends their connections with
// Kick{KICK_SHUTDOWN}; the client logs in again and the restarted logic
// serves every acknowledged change (docs/gateway.md, "When a logic process dies").
import { KickReason, ProfileGet, ProfileGetRes, ProfileSet, ProfileSetRes } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { clientFor, login, newAccount, register } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

describe('logic kill -9', () => {
  // A long flush interval: acknowledged changes are still only in the journal when the process dies.
  const cluster = useGameCluster({ flushIntervalMs: 60_000 })

  it('players re-bind after a new login and no acknowledged change is lost', async () => {
    const account = newAccount('lk')
    const userId = await register(cluster(), account)
    const first = await login(cluster(), account)
    const c1 = clientFor(first.handoff, 'tcp')
    const kicked: { reason: number; message: string }[] = []
    c1.on('kicked', (k) => kicked.push(k))
    const closed = new Promise<unknown>((r) => c1.on('close', (e) => r(e.error)))
    await c1.connect()
    for (let i = 1; i <= 20; i++)
      await c1.request(ProfileSet, { motto: `motto ${i}` }, { response: ProfileSetRes })
    // Every change above is acknowledged (its response arrived); none flushed yet.
    expect((await cluster().playerRow(1, userId))?.motto ?? null).not.toBe('motto 20')
    await cluster().logics.get(1)!.kill9()

    const err = await closed
    expect(err).toMatchObject({ code: 'CLIENT_KICKED' })
    expect(kicked).toEqual([
      { reason: KickReason.KICK_SHUTDOWN, message: 'game session lost; log in again', replaced: false },
    ])

    await cluster().startLogic(1)
    const second = await login(cluster(), account)
    const c2 = clientFor(second.handoff, 'tcp')
    await c2.connect()
    const p = await c2.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
    expect(p.profile?.motto).toBe('motto 20')
    await c2.close()
  }, 120_000)
})
