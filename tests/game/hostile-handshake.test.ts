// Handshakes a hostile client can try at a gateway while the player is
// online: a forged or malformed resume token, a replayed hand-off token.
// Each is refused with its code and the player's session is not touched
// (a resume token is checked by logic before the gateway claims ownership).
import { ProfileGet, ProfileGetRes, WireError } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { rawHandshake } from '../support/raw-handshake.js'
import { clientFor, login, newAccount, register } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

describe('hostile handshakes at the gateway', () => {
  const cluster = useGameCluster({ gateways: [201, 202] })

  it('refuses forged resume tokens and replayed hand-offs without disturbing the player', async () => {
    const account = newAccount('hs')
    const userId = await register(cluster(), account)
    const answer = await login(cluster(), account)
    const player = clientFor(answer.handoff, 'ws')
    const kicked: unknown[] = []
    player.on('kicked', (k) => kicked.push(k))
    await player.connect()
    const ws = answer.handoff.ws![0]!
    // The other gateway: a claim there would revoke the player's gateway and kick it.
    const other = [...cluster().gateways.values()].find(
      (g) => g.serviceId !== answer.handoff.gatewayServiceId,
    )!.ws

    const forged = await rawHandshake(other, {
      resume: { resumeToken: `${userId}.${'A'.repeat(32)}`, lastReceivedSeq: 0n },
    })
    expect(forged.error).toMatchObject({ code: WireError.WIRE_RESUME_REFUSED })
    const forgedHere = await rawHandshake(ws, {
      resume: { resumeToken: `${userId}.${'B'.repeat(32)}`, lastReceivedSeq: 0n },
    })
    expect(forgedHere.error).toMatchObject({ code: WireError.WIRE_RESUME_REFUSED })
    const malformed = await rawHandshake(other, {
      resume: { resumeToken: 'not-a-token', lastReceivedSeq: 0n },
    })
    expect(malformed.error).toMatchObject({ code: WireError.WIRE_RESUME_REFUSED })
    const replayed = await rawHandshake(ws, { token: answer.handoff.token })
    expect(replayed.error).toMatchObject({ code: WireError.WIRE_BAD_TOKEN })
    expect(replayed.error?.message).toContain('LOGIN_TOKEN_USED')
    const missing = await rawHandshake(ws, { token: '' })
    expect(missing.error).toMatchObject({ code: WireError.WIRE_BAD_TOKEN })

    // The player never noticed.
    const p = await player.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
    expect(String(p.profile?.userId)).toBe(userId)
    expect(kicked).toEqual([])
    expect(player.state).toBe('open')
    await player.close()
  }, 60_000)
})
