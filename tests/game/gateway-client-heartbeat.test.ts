// The gateway's client heartbeat and idle timeout come from its config
// (gateway.clientHeartbeatMs / clientIdleTimeoutMs) and reach the client in
// HandshakeOk: that is how fast a client notices a dead gateway or network
// path and resumes elsewhere (the deploy netns test relies on it).
import { describe, expect, it } from 'vitest'
import { clientFor, loginAt, newAccount, register } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

describe('gateway client heartbeat settings', () => {
  const cluster = useGameCluster({
    gateways: [201],
    gatewayArgs: ['--gateway.clientHeartbeatMs', '700', '--gateway.clientIdleTimeoutMs', '2500'],
  })

  it('hands the configured heartbeat and idle timeout to the client', async () => {
    const c = cluster()
    const account = newAccount('hb')
    await register(c, account)
    const client = clientFor((await loginAt(c, account, 201)).handoff, 'tcp')
    try {
      const ok = await client.connect()
      expect({ heartbeatMs: ok.heartbeatMs, idleTimeoutMs: ok.idleTimeoutMs }).toEqual({
        heartbeatMs: 700,
        idleTimeoutMs: 2500,
      })
    } finally {
      await client.close()
    }
  }, 120_000)
})
