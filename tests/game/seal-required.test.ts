// A gateway that requires sealing on its WebSocket port
// (`gateway.encryptionByStack: {"ws": "sealed"}`): a client that would leave
// frames in clear is refused there with WIRE_SEAL_REQUIRED before its
// hand-off token is redeemed (the same token then still gets the player in
// with the SDK, which seals every frame); the TCP port keeps the
// server-wide `optional`.

import { TesseraClient } from '@tessera/client'
import { handoffTcp } from '@tessera/client/node'
import { ProfileGet, ProfileGetRes, WireError } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { rawHandshake } from '../support/raw-handshake.js'
import { clientFor, login, newAccount, register } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

describe('gateway.encryptionByStack: ws sealed', () => {
  const cluster = useGameCluster({ gatewayArgs: ['--gateway.encryptionByStack', '{"ws":"sealed"}'] })

  it('refuses a plaintext handshake on ws, serves the sealing SDK there and a plain client on tcp', async () => {
    const account = newAccount('seal')
    const userId = await register(cluster(), account)
    const answer = await login(cluster(), account)
    const ws = answer.handoff.ws![0]!
    const plain = await rawHandshake(ws, { token: answer.handoff.token })
    expect(plain.error).toMatchObject({ code: WireError.WIRE_SEAL_REQUIRED, name: 'WIRE_SEAL_REQUIRED' })
    // Refused before the redeem: the hand-off token still works.
    const player = clientFor(answer.handoff, 'ws')
    const ok = await player.connect()
    expect(ok.sealAll).toBe(true)
    const p = await player.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
    expect(String(p.profile?.userId)).toBe(userId)
    await player.close()

    const again = await login(cluster(), account)
    const tcp = new TesseraClient({
      socket: handoffTcp(again.handoff),
      token: again.handoff.token,
      clientKind: 'node-test',
      encryption: false,
    })
    const okTcp = await tcp.connect()
    expect(okTcp.sealAll).toBe(false)
    await tcp.close()
  }, 90_000)
})
