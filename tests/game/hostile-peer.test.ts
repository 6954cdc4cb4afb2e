// A cluster member that is not the player's gateway (a compromised or buggy
// service holding the cluster secret) tries to act for the player's
// connection at logic: frames and binds naming another gateway than the
// authenticated peer of the link are refused, so it cannot write the
// player's data even knowing the session id.
import {
  ClientFrames,
  ProfileGet,
  ProfileGetRes,
  ProfileSet,
  SessionBind,
  SessionBindOk,
} from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
// biome-ignore lint/style/noRestrictedImports: a cluster member from the center's test harness plays the hostile peer
import { startService } from '../../services/center/src/fixtures/harness.js'
// biome-ignore lint/style/noRestrictedImports: frames built exactly as the gateway builds them
import { forwardedFrame } from '../../services/gateway/src/edge/gateway-conn.js'
import { clientFor, login, newAccount, register, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

describe('a hostile cluster peer at logic', () => {
  const cluster = useGameCluster()

  it('cannot inject frames or bind in another gateway’s name', async () => {
    const account = newAccount('hp')
    const userId = await register(cluster(), account)
    const answer = await login(cluster(), account)
    const player = clientFor(answer.handoff, 'tcp')
    await player.connect()
    await player.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
    const gatewayId = answer.handoff.gatewayServiceId

    const hostile = await startService('gateway', 299, cluster().centerAddress)
    try {
      await until(() => hostile.proxy.membership.ofKind('logic').length > 0, 10_000, 'membership')
      const body = ProfileSet.encode(ProfileSet.create({ motto: 'hijacked' }))
      const frames = [forwardedFrame(0, 0, ProfileSet.msgId, 0, body)]
      // Every plausible epoch and connection id, in its own name and in the player's gateway's.
      for (const gw of [299, gatewayId])
        for (let epoch = 1n; epoch <= 5n; epoch++)
          for (let connId = 1; connId <= 10; connId++)
            hostile.proxy.notify(1, ClientFrames, {
              sessionId: player.sessionId,
              epoch,
              gatewayServiceId: gw,
              connId,
              frames,
            })
      await expect(
        hostile.proxy.request(
          1,
          SessionBind,
          SessionBind.create({
            userId: BigInt(userId),
            epoch: 1000n,
            gatewayServiceId: gatewayId,
            connId: 1,
          }),
          SessionBindOk,
        ),
      ).rejects.toMatchObject({ code: 'LOGIC_NOT_YOUR_GATEWAY' })

      // The player's own request goes after the hostile frames on logic's side.
      const p = await player.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
      expect(p.profile?.motto).toBeUndefined()
      expect(player.state).toBe('open')
      expect((await cluster().playerRow(1, userId))?.motto ?? null).toBeNull()
    } finally {
      await hostile.close()
      await player.close()
    }
  }, 60_000)
})
