// A gateway whose ownership of a player was superseded (a newer epoch from
// the center) cannot act for that player at logic any more: its frames are
// dropped, its acks and goodbyes ignored, its binds refused
// (LOGIC_STALE_BIND), its ownership release refused by the center. Gateways
// here are real cluster members in the test process playing the stale
// incarnation, beside the real center, login, gateway and logic processes.
import { CENTER_CHANNEL_ID } from '@tessera/kernel'
import {
  ClientFrames,
  ClientGone,
  clusterWire,
  Kick,
  KickReason,
  MsgId,
  ProfileGet,
  ProfileGetRes,
  ProfileSet,
  ProfileSetRes,
  SessionBind,
  SessionBindOk,
  ToClient,
} from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
// biome-ignore lint/style/noRestrictedImports: cluster members from the center's test harness play the gateways
import { startService, type TestService } from '../../services/center/src/fixtures/harness.js'
// biome-ignore lint/style/noRestrictedImports: frames built exactly as the gateway builds them
import { forwardedFrame } from '../../services/gateway/src/edge/gateway-conn.js'
import { clientFor, login, newAccount, register, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const GW = 298

/** A gateway member that records what logic sends it. */
async function gatewayMember(center: string, register: boolean): Promise<TestService & { got: ToClient[] }> {
  const m = await startService('gateway', GW, center, { register })
  const got: ToClient[] = []
  m.proxy.on(ToClient, (t) => void got.push(t))
  return Object.assign(m, { got })
}

const claim = (m: TestService, userId: string) =>
  m.proxy.request(
    CENTER_CHANNEL_ID,
    clusterWire.ownershipClaim,
    { key: `player:${userId}`, ownerServiceId: GW },
    clusterWire.ownershipClaimOk,
  )

/** Bind the player's session at `epoch` for connection 1 of gateway GW through member `m`. */
const bind = (m: TestService, userId: string, epoch: bigint) =>
  m.proxy.request(
    1,
    SessionBind,
    SessionBind.create({ userId: BigInt(userId), epoch, gatewayServiceId: GW, connId: 1, nickname: 'x' }),
    SessionBindOk,
  )

/** One game frame from connection `connId` of gateway GW to session `sessionId` at `epoch`. */
function frames(
  m: TestService,
  sessionId: string,
  epoch: bigint,
  connId: number,
  msgId: number,
  reqId: number,
  body: Uint8Array,
) {
  m.proxy.notify(1, ClientFrames, {
    sessionId,
    epoch,
    gatewayServiceId: GW,
    connId,
    frames: [forwardedFrame(0, 0, msgId, reqId, body)],
  })
}

/** The response frame to `reqId` among what logic sent this member. */
function answer(m: { got: ToClient[] }, reqId: number): ToClient | undefined {
  return m.got.find((t) => t.reqId === reqId && t.msgId !== MsgId.Ack)
}

describe('a gateway holding a superseded ownership epoch', () => {
  const cluster = useGameCluster()

  it('is refused when its successor has the same service id and connection id (only the epoch differs)', async () => {
    const userId = await register(cluster(), newAccount('se'))
    // The old incarnation of gateway 298 binds the player at epoch e1...
    const old = await gatewayMember(cluster().centerAddress, true)
    let fresh: (TestService & { got: ToClient[] }) | undefined
    try {
      await until(() => old.proxy.membership.ofKind('logic').length > 0, 10_000, 'membership')
      const e1 = (await claim(old, userId)).epoch
      const b1 = await bind(old, userId, e1)
      frames(
        old,
        b1.sessionId,
        e1,
        1,
        ProfileSet.msgId,
        11,
        ProfileSet.encode(ProfileSet.create({ motto: 'by the owner' })),
      )
      await until(() => answer(old, 11) !== undefined, 10_000, 'answer to the owner')
      expect(answer(old, 11)!.msgId).toBe(ProfileSetRes.msgId)

      // ...then a new incarnation (say the process restarted while the old one
      // was cut off from the center) claims e2 and binds the player again with
      // connection id 1, on its own link to logic.
      fresh = await gatewayMember(cluster().centerAddress, false)
      const logicAddr = old.proxy.membership.get(1)!.addresses[0]!
      fresh.proxy.addFixedPeer(1, 'logic', logicAddr)
      const e2 = (await claim(old, userId)).epoch
      expect(e2).toBeGreaterThan(e1)
      const b2 = await bind(fresh, userId, e2)
      // The old binding was told to go.
      await until(() => old.got.some((t) => t.close), 10_000, 'the old binding closed')

      // The old incarnation, same gateway id and connection id, old epoch:
      // a write to the new session, and its goodbye, change nothing.
      frames(
        old,
        b2.sessionId,
        e1,
        1,
        ProfileSet.msgId,
        12,
        ProfileSet.encode(ProfileSet.create({ motto: 'stale write' })),
      )
      old.proxy.notify(1, ClientGone, {
        sessionId: b2.sessionId,
        epoch: e1,
        gatewayServiceId: GW,
        connId: 1,
        release: true,
        reason: 'stale goodbye',
      })
      // A bind at its epoch is refused outright.
      await expect(
        old.proxy.request(
          1,
          SessionBind,
          SessionBind.create({
            userId: BigInt(userId),
            epoch: e1,
            gatewayServiceId: GW,
            connId: 2,
            nickname: 'x',
          }),
          SessionBindOk,
        ),
      ).rejects.toMatchObject({ code: 'LOGIC_STALE_BIND' })
      // The center does not let it release the player either.
      const rel = await old.proxy.request(
        CENTER_CHANNEL_ID,
        clusterWire.ownershipRelease,
        { key: `player:${userId}`, epoch: e1, ownerServiceId: GW },
        clusterWire.ownershipReleaseOk,
      )
      expect(rel.released).toBe(false)

      // The current binding, after all of that in logic's order, is live and unchanged.
      frames(
        fresh,
        b2.sessionId,
        e2,
        1,
        ProfileGet.msgId,
        13,
        ProfileGet.encode(ProfileGet.create({ userId: 0n })),
      )
      await until(() => answer(fresh!, 13) !== undefined, 10_000, 'answer to the current binding')
      const got = answer(fresh, 13)!
      expect(got.msgId).toBe(ProfileGetRes.msgId)
      expect(got.close).toBe(false)
      expect(ProfileGetRes.decode(got.body).profile?.motto).toBe('by the owner')
      expect(answer(old, 12)).toBeUndefined()
      expect(old.got.filter((t) => t.msgId === Kick.msgId).length).toBeLessThanOrEqual(1)
    } finally {
      await fresh?.close()
      await old.close()
    }
  }, 90_000)

  it('cannot act once a real gateway took the player over (revoked)', async () => {
    const account = newAccount('rv')
    const userId = await register(cluster(), account)
    const old = await gatewayMember(cluster().centerAddress, true)
    const revoked: bigint[] = []
    old.proxy.on(clusterWire.ownershipRevoked, (m) => void revoked.push(m.epoch))
    try {
      await until(() => old.proxy.membership.ofKind('logic').length > 0, 10_000, 'membership')
      const e1 = (await claim(old, userId)).epoch
      const b1 = await bind(old, userId, e1)
      // The player logs in for real through gateway 201: a new epoch, the old owner revoked.
      const player = clientFor((await login(cluster(), account)).handoff, 'tcp')
      await player.connect()
      await until(() => revoked.length > 0, 10_000, 'OwnershipRevoked at the old owner')
      expect(revoked[0]).toBeGreaterThan(e1)
      await until(() => old.got.some((t) => t.close), 10_000, 'the old binding closed')
      const kick = old.got.find((t) => t.msgId === Kick.msgId)
      expect(Kick.decode(kick!.body).reason).toBe(KickReason.KICK_REPLACED)

      // Its frames, to its old session and to the player's current one, are not applied.
      const write = ProfileSet.encode(ProfileSet.create({ motto: 'revoked write' }))
      frames(old, b1.sessionId, e1, 1, ProfileSet.msgId, 21, write)
      frames(old, player.sessionId, e1, 1, ProfileSet.msgId, 22, write)
      await expect(
        old.proxy.request(
          1,
          SessionBind,
          SessionBind.create({
            userId: BigInt(userId),
            epoch: e1,
            gatewayServiceId: GW,
            connId: 3,
            nickname: 'x',
          }),
          SessionBindOk,
        ),
      ).rejects.toMatchObject({ code: 'LOGIC_STALE_BIND' })
      const p = await player.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
      expect(p.profile?.motto).toBeUndefined()
      expect(answer(old, 21)).toBeUndefined()
      expect(answer(old, 22)).toBeUndefined()
      expect(player.state).toBe('open')
      await player.close()
    } finally {
      await old.close()
    }
  }, 90_000)
})
