// Hostile cluster peers against the shard-move messages (docs/operations.md
// "Players across logic processes"), on real processes (center with the
// shard table, login, a gateway, logic 1, logic 2 added) and the real
// MariaDB. Members holding the cluster secret — a gateway-kind service, a
// logic that is not the move's receiver, a gateway claiming the receiver's
// service id — send ShardMoveStart, ShardHandOff, ShardFence,
// ShardFenceClaim and ShardMoveDone while a move runs: each is refused and
// nothing changes (the player keeps playing on logic 1 without a resume,
// its rows are not fenced, its owner epoch at the center stays, the table
// does not switch).
import type { TesseraClient } from '@tessera/client'
import { CENTER_CHANNEL_ID, ShardMap } from '@tessera/kernel'
import {
  ProfileGainExp,
  ProfileGainExpRes,
  ShardFence,
  ShardFenceClaim,
  ShardFenceClaimOk,
  ShardFenceOk,
  ShardHandOff,
  ShardHandOffOk,
  ShardMoveDone,
  ShardMoveStart,
  ShardTableState,
} from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
// biome-ignore lint/style/noRestrictedImports: cluster members from the center's test harness play the hostile peers
import { startService, type TestService } from '../../services/center/src/fixtures/harness.js'
import { clientFor, login, newAccount, register, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const SHARDS = 4096

interface Watched {
  userId: bigint
  client: TesseraClient
  resumed: number
  closed: number
}

describe('hostile peers against shard moves', () => {
  const cluster = useGameCluster({ logics: [1], gateways: [201], shardTable: true })
  const map = new ShardMap([1], SHARDS)

  it('refuses every move message from a peer that may not send it, and nothing changes', async () => {
    const c = cluster()
    await c.addLogic(2)
    const account = newAccount('smg')
    const userId = BigInt(await register(c, account))
    const a = await login(c, account)
    const p: Watched = { userId, client: clientFor(a.handoff, 'tcp'), resumed: 0, closed: 0 }
    p.client.on('open', (e) => {
      if (e.resumed) p.resumed++
    })
    p.client.on('close', () => p.closed++)
    await p.client.connect()
    await p.client.request(ProfileGainExp, { amount: 1 }, { response: ProfileGainExpRes })
    const shard = map.shardOf(userId)
    await until(
      async () => (await c.playerRow(1, String(userId))) !== undefined,
      30_000,
      'the row on logic 1',
    )
    const row = async () => (await c.playerRow(1, String(userId)))!
    /** Still playing on logic 1, never moved: requests answered, no resume, no close. */
    const undisturbed = async (what: string): Promise<void> => {
      for (let i = 0; i < 10; i++) {
        await p.client.request(ProfileGainExp, { amount: 1 }, { response: ProfileGainExpRes })
        await new Promise((r) => setTimeout(r, 100))
      }
      expect({ what, resumed: p.resumed, closed: p.closed, state: p.client.state }).toEqual({
        what,
        resumed: 0,
        closed: 0,
        state: 'open',
      })
    }

    const peers: TestService[] = []
    try {
      // A gateway-kind member, and two logic-kind ones: #9 is made the
      // receiver of a move (and stalls it), #8 is any other logic.
      const gw = await startService('gateway', 299, c.centerAddress, { timeoutMs: 5000 })
      const receiver = await startService('logic', 9, c.centerAddress, { timeoutMs: 5000 })
      // (Above logic 1's wait for a newer table when a hand-off names shards not moving: cluster.requestTimeoutMs.)
      const other = await startService('logic', 8, c.centerAddress, { timeoutMs: 15_000 })
      peers.push(gw, receiver, other)
      for (const s of peers)
        await until(() => s.proxy.membership.ofKind('logic').length >= 4, 15_000, 'membership')
      const starts: ShardMoveStart[] = []
      receiver.proxy.on(ShardMoveStart, (m) => starts.push(m))

      // ShardHandOff only of shards a move is giving: a logic may not take them for itself.
      await expect(
        other.proxy.request(
          1,
          ShardHandOff,
          { shards: [shard], shardCount: SHARDS, toServiceId: 8 },
          ShardHandOffOk,
        ),
      ).rejects.toMatchObject({ code: 'LOGIC_SHARD_MOVE_REFUSED' })
      await undisturbed('after ShardHandOff of a shard not moving')

      // A move of the player's shard to #9: the shard is moving (so hand-offs
      // of it pass the giver's "is it moving" check) and #9 never answers.
      const move = c.admin<{ ok: boolean; moved: { error?: string }[] }>('/admin/shards/move', {
        to: 9,
        shards: [shard],
      })
      await until(() => starts.length > 0, 30_000, 'the move started at #9')
      const moveId = starts[0]!.moveId
      const epoch0 = await c.ownerEpoch(String(userId))
      const rowEpoch0 = BigInt(String((await row())._epoch))

      // ShardMoveStart only from the center: logic 2 would take the shard from logic 1.
      for (const from of [gw, other])
        from.proxy.notify(2, ShardMoveStart, {
          moveId,
          shards: [shard],
          shardCount: SHARDS,
          fromServiceId: 1,
        })
      await undisturbed('after ShardMoveStart from a gateway and a logic')

      // ShardHandOff only from a logic, and only to itself.
      await expect(
        gw.proxy.request(
          1,
          ShardHandOff,
          { shards: [shard], shardCount: SHARDS, toServiceId: 299 },
          ShardHandOffOk,
        ),
      ).rejects.toMatchObject({ code: 'LOGIC_SHARD_MOVE_REFUSED' })
      await expect(
        other.proxy.request(
          1,
          ShardHandOff,
          { shards: [shard], shardCount: SHARDS, toServiceId: 2 },
          ShardHandOffOk,
        ),
      ).rejects.toMatchObject({ code: 'LOGIC_SHARD_MOVE_REFUSED' })
      await undisturbed('after ShardHandOff from a gateway and for another logic')

      // ShardFence only from the logic the users were handed to (nobody yet).
      const fence = { users: [{ userId, epoch: 1_000_000_000n }] }
      for (const from of [gw, other, receiver])
        await expect(from.proxy.request(1, ShardFence, fence, ShardFenceOk)).rejects.toMatchObject({
          code: 'LOGIC_SHARD_MOVE_REFUSED',
        })
      expect(BigInt(String((await row())._epoch))).toBe(rowEpoch0)

      // At the center: ShardFenceClaim and ShardMoveDone only from the move's receiver.
      for (const from of [gw, other]) {
        await expect(
          from.proxy.request(CENTER_CHANNEL_ID, ShardFenceClaim, { userIds: [userId] }, ShardFenceClaimOk),
        ).rejects.toThrow(/not running|no move/)
        await expect(
          from.proxy.request(
            CENTER_CHANNEL_ID,
            ShardMoveDone,
            { moveId, error: '', users: 1, sessions: 0 },
            ShardTableState,
          ),
        ).rejects.toThrow(/not running/)
      }
      expect(await c.ownerEpoch(String(userId))).toBe(epoch0)
      const view = (await (await fetch(`${c.centerAdmin}/admin/shards`)).json()) as {
        moving: number[]
        perLogic: Record<string, number>
      }
      expect(view.moving).toEqual([shard])
      expect(view.perLogic['9']).toBeUndefined()
      // The receiver itself may claim (a user nobody plays), and it ends the move: failed, the shard stays.
      const claimed = await receiver.proxy.request(
        CENTER_CHANNEL_ID,
        ShardFenceClaim,
        { userIds: [42n] },
        ShardFenceClaimOk,
      )
      expect(claimed.users).toHaveLength(1)
      await receiver.proxy.request(
        CENTER_CHANNEL_ID,
        ShardMoveDone,
        { moveId, error: 'stalled by the test', users: 0, sessions: 0 },
        ShardTableState,
      )
      const ended = await move
      expect(ended.status).toBe(500)
      expect(ended.json.moved[0]!.error).toMatch(/stalled by the test/)
      await undisturbed('after the stalled move')
      expect(await c.ownerEpoch(String(userId))).toBe(epoch0)

      // A real move to logic 2: the player resumes there; logic 1 handed it to logic 2 only.
      const real = await c.admin<{ ok: boolean }>('/admin/shards/move', { to: 2, shards: [shard] })
      expect(real.status, JSON.stringify(real.json)).toBe(200)
      await until(() => p.resumed > 0 && p.client.state === 'open', 30_000, 'the player resumed on logic 2')
      const fenced = BigInt(String((await row())._epoch))
      // A gateway-kind member claiming logic 2's service id (not registered: it
      // dials logic 1 directly), and any other logic, try to fence logic 1's copy again.
      const addr = gw.proxy.membership.ofKind('logic').find((s) => s.serviceId === 1)!.addresses[0]!
      const as2 = await startService('gateway', 2, c.centerAddress, { register: false, timeoutMs: 5000 })
      peers.push(as2)
      as2.proxy.addFixedPeer(1, 'logic', addr)
      const high = { users: [{ userId, epoch: fenced + 1_000_000n }] }
      for (const from of [as2, other])
        await expect(from.proxy.request(1, ShardFence, high, ShardFenceOk)).rejects.toMatchObject({
          code: 'LOGIC_SHARD_MOVE_REFUSED',
        })
      expect(BigInt(String((await row())._epoch))).toBe(fenced)
    } finally {
      for (const s of peers) await s.close()
      await p.client.close()
      await c.api('logout', { sessionToken: a.sessionToken })
    }
  }, 300_000)
})
