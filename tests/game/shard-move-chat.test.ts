// Chat across a shard move, on real processes (center with the shard table,
// login, two gateways, logic 1 and 3, then logic 2 added) and the real
// MariaDB (docs/operations.md "Players across logic processes"):
// private messages sent without pause to players of the moving shards,
// from a player on the giving logic, from one on another logic, and from a
// cluster member that never reads the shard table (a logic whose table is
// late: it sends to the old owner all through the move), each reach their
// receiver exactly once (live, or stored and delivered at the next login);
// a player in a named channel keeps its membership when its shard moves,
// with nobody seeing it leave.
import { CENTER_CHANNEL_ID, ShardMap } from '@tessera/kernel'
import {
  ChatCreate,
  ChatCreateRes,
  ChatDirect,
  ChatDirectOk,
  ChatJoin,
  ChatJoinRes,
  ChatKind,
  ChatMembers,
  ChatMembersRes,
  ChatPrivate,
  ChatPrivateRes,
  ChatPush,
  ChatSend,
  ChatSendRes,
  ShardHandOff,
  ShardHandOffOk,
  ShardMoveDone,
  ShardMoveStart,
  ShardTableState,
} from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
// biome-ignore lint/style/noRestrictedImports: a cluster member from the center's test harness plays a logic on a late table
import { startService } from '../../services/center/src/fixtures/harness.js'
import { accountOn, type ChatPlayer, connectOn, logOut, playerOn, pushFor } from './support/chat-players.js'
import type { GameCluster } from './support/game-cluster.js'
import { until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const SLOTS = [1, 3]

interface Receiver {
  account: string
  userId: bigint
  /** Connected through the move (else offline, mail waits for its next login). */
  online: ChatPlayer | undefined
  /** Texts whose ChatPrivate was answered ok. */
  acked: string[]
}

/** Texts of the private pushes a player got, with how often each came. */
function privateCounts(pushes: readonly ChatPush[]): Map<string, number> {
  const n = new Map<string, number>()
  for (const p of pushes)
    if (p.kind === ChatKind.CHAT_KIND_PRIVATE && !p.text.startsWith('probe-'))
      n.set(p.text, (n.get(p.text) ?? 0) + 1)
  return n
}

describe('chat across a shard move', () => {
  const cluster = useGameCluster({
    logics: SLOTS,
    gateways: [201, 202],
    shardTable: true,
    // Senders here send far more than a player may by default.
    logicArgs: ['--chat.ratePerSec', '200', '--chat.burst', '200'],
    loginArgs: ['--login.limits.register.limit', '100000'],
  })
  const map = new ShardMap(SLOTS, 4096)
  const moved = new Set<number>()

  /** A player on logic 1 (gateway 202) in a shard neither moved before nor the creator's. */
  const moverOn = async (c: GameCluster, creator: ChatPlayer, prefix: string): Promise<ChatPlayer> => {
    for (let i = 0; i < 10; i++) {
      const p = await playerOn(c, { logic: 1, gateway: 202 }, SLOTS, prefix)
      const sh = map.shardOf(p.userId)
      if (sh !== map.shardOf(creator.userId) && !moved.has(sh)) return p
      await logOut(c, p)
    }
    throw new Error('no player in a fresh shard of logic 1 in 10 tries')
  }

  it('delivers every private message sent to players of moving shards exactly once', async () => {
    const c = cluster()
    if (!c.logics.has(2)) await c.addLogic(2)
    // Senders: one on the giving logic 1, one on logic 3 (shards that stay).
    const fromSame = await playerOn(c, { logic: 1, gateway: 201 }, SLOTS, 'smc-s1')
    const fromOther = await playerOn(c, { logic: 3, gateway: 202 }, SLOTS, 'smc-s3')
    const keep = new Set([map.shardOf(fromSame.userId), map.shardOf(fromOther.userId)])
    // Receivers on logic 1 (their shards move to 2): three online, two offline (rows exist).
    const receivers: Receiver[] = []
    for (let i = 0; receivers.length < 5 && i < 40; i++) {
      const { account, userId } = await accountOn(c, 1, SLOTS, 'smc-r')
      if (keep.has(map.shardOf(userId))) continue
      const online = await connectOn(c, account, userId, receivers.length % 2 === 0 ? 201 : 202)
      if (receivers.length >= 3) {
        await logOut(c, online)
        receivers.push({ account, userId, online: undefined, acked: [] })
      } else receivers.push({ account, userId, online, acked: [] })
    }
    expect(receivers).toHaveLength(5)
    // An offline receiver's session ends on logic 1 shortly after its logout
    // (until then a message is pushed to the lingering session, and a fresh
    // login does not get it): probe until messages to it are stored.
    for (const r of receivers.filter((x) => x.online === undefined)) {
      let probes = 0
      await until(
        async () =>
          (
            await fromSame.client.request(
              ChatPrivate,
              { toUserId: r.userId, text: `probe-${probes++}` },
              { response: ChatPrivateRes },
            )
          ).stored,
        30_000,
        `${r.userId}: messages stored`,
      )
    }
    // The offline receivers' rows are on logic 1 (the copy takes them, and mail needs them).
    for (const r of receivers)
      await until(async () => (await c.playerRow(1, String(r.userId))) !== undefined, 30_000, 'receiver rows')

    // Both senders send one private message after another, round the receivers.
    let sending = true
    let moving = false
    let duringMove = 0
    const failed: string[] = []
    const loop = async (s: ChatPlayer, tag: string): Promise<void> => {
      for (let n = 0; sending && n < 100_000; n++) {
        const r = receivers[n % receivers.length]!
        const text = `${tag}-${n}`
        const wasMoving = moving
        try {
          await s.client.request(ChatPrivate, { toUserId: r.userId, text }, { response: ChatPrivateRes })
          r.acked.push(text)
          if (wasMoving) duringMove++
        } catch (err) {
          failed.push(`${text}: ${String(err)}`)
        }
        await new Promise((res) => setTimeout(res, 15))
      }
    }
    // A logic on a late table: always the old owner first; refused there
    // (LOGIC_SHARD_MOVED: nothing kept), it asks the new owner until it takes it.
    const late = await startService('logic', 9, c.centerAddress, { timeoutMs: 5000 })
    await until(
      () => late.proxy.membership.ofKind('logic').length >= 3,
      15_000,
      'the late logic in the cluster',
    )
    let refusedByOld = 0
    const lateLoop = async (): Promise<void> => {
      for (let n = 0; sending && n < 100_000; n++) {
        const r = receivers[n % receivers.length]!
        const text = `late-${n}`
        const m = {
          toUserId: r.userId,
          messageId: 9_000_000_000_000_000n + BigInt(n),
          push: ChatPush.encode(
            ChatPush.create({
              kind: ChatKind.CHAT_KIND_PRIVATE,
              messageId: 9_000_000_000_000_000n + BigInt(n),
              fromUserId: fromOther.userId,
              fromNickname: 'late',
              toUserId: r.userId,
              text,
            }),
          ),
        }
        let target = 1
        for (let attempt = 0; attempt < 200; attempt++) {
          try {
            await late.proxy.request(target, ChatDirect, m, ChatDirectOk)
            r.acked.push(text)
            break
          } catch (err) {
            if ((err as { code?: string }).code !== 'LOGIC_SHARD_MOVED') {
              failed.push(`${text}: ${String(err)}`)
              break
            }
            if (target === 1) refusedByOld++
            target = 2
            await new Promise((res) => setTimeout(res, 50))
          }
        }
        await new Promise((res) => setTimeout(res, 10))
      }
    }
    const loops = [loop(fromSame, 'same'), loop(fromOther, 'other'), lateLoop()]
    await until(() => receivers.every((r) => r.acked.length >= 3), 30_000, 'messages flowing')

    const shards = [...new Set(receivers.map((r) => map.shardOf(r.userId)))]
    for (const s of shards) moved.add(s)
    moving = true
    const res = await c.admin<{ ok: boolean }>('/admin/shards/move', { to: 2, shards })
    moving = false
    expect(res.status, JSON.stringify(res.json)).toBe(200)
    const after = receivers.map((r) => r.acked.length)
    await until(
      () => receivers.every((r, i) => r.acked.length >= after[i]! + 3),
      30_000,
      'messages flowing after the move',
    )
    sending = false
    await Promise.all(loops)
    await late.close()
    expect(failed).toEqual([])
    expect(duringMove).toBeGreaterThan(0)

    // Online receivers resumed on logic 2: each acknowledged message once.
    for (const r of receivers.filter((x) => x.online !== undefined)) {
      const p = r.online!
      await until(
        () => {
          const n = privateCounts(p.pushes)
          return r.acked.every((t) => n.has(t))
        },
        30_000,
        `${r.userId}: every message`,
      ).catch((err: Error) => {
        const n = privateCounts(p.pushes)
        throw new Error(`${err.message}; missing ${r.acked.filter((t) => !n.has(t)).join(', ')}`)
      })
      const n = privateCounts(p.pushes)
      for (const [t, k] of n) expect(k, `${r.userId} got ${t} ${k} times`).toBe(1)
      expect([...n.keys()].sort()).toEqual([...r.acked].sort())
    }
    // Offline receivers log in (now on logic 2): their stored mail, each once.
    for (const r of receivers.filter((x) => x.online === undefined)) {
      const p = await connectOn(c, r.account, r.userId, 201)
      const last = r.acked[r.acked.length - 1]!
      await pushFor(p, (m) => m.text === last, 'the last stored message', 30_000)
      const n = privateCounts(p.pushes)
      expect(
        r.acked.filter((t) => !n.has(t)),
        `${r.userId}: missing stored messages`,
      ).toEqual([])
      for (const [t, k] of n) expect(k, `${r.userId} got ${t} ${k} times`).toBe(1)
      expect(n.size).toBe(r.acked.length)
      await logOut(c, p)
    }
    // The late logic was sent on by the old owner (during and after the move).
    expect(refusedByOld).toBeGreaterThan(0)
    for (const r of receivers) if (r.online) await logOut(c, r.online)
    await logOut(c, fromSame)
    await logOut(c, fromOther)
  }, 300_000)

  it('keeps a moving player in its named channels, unseen by the other members', async () => {
    const c = cluster()
    if (!c.logics.has(2)) await c.addLogic(2)
    // The creator stays on logic 1, a member on logic 3, the mover goes from 1 to 2.
    const creator = await playerOn(c, { logic: 1, gateway: 201 }, SLOTS, 'smc-c')
    const other = await playerOn(c, { logic: 3, gateway: 202 }, SLOTS, 'smc-o')
    const m = await moverOn(c, creator, 'smc-m')
    const room = `smroom_${Date.now() % 1_000_000}`
    await creator.client.request(ChatCreate, { channel: room }, { response: ChatCreateRes })
    await other.client.request(ChatJoin, { channel: room }, { response: ChatJoinRes })
    await m.client.request(ChatJoin, { channel: room }, { response: ChatJoinRes })
    const names = async (): Promise<string[]> =>
      (await creator.client.request(ChatMembers, { channel: room }, { response: ChatMembersRes })).members
        .map((x) => String(x.userId))
        .sort()
    const before = await names()
    expect(before).toEqual([creator.userId, other.userId, m.userId].map(String).sort())

    let resumed = 0
    m.client.on('open', (e) => {
      if (e.resumed) resumed++
    })
    // The creator looks at the member list all through the move.
    let watching = true
    const seen: string[][] = []
    const watch = (async () => {
      for (let i = 0; watching && i < 10_000; i++) {
        seen.push(await names())
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    // Another member sends lines all through the move: the mover gets every
    // one exactly once (those sent while it was between logics come from the
    // channel's history when its new logic re-joins it).
    const during: string[] = []
    const talk = (async () => {
      for (let i = 0; watching && i < 2_000; i++) {
        const text = `during-${i}`
        await other.client.request(ChatSend, { channel: room, text }, { response: ChatSendRes })
        during.push(text)
        await new Promise((r) => setTimeout(r, 15))
      }
    })()
    const res = await c.admin<{ ok: boolean }>('/admin/shards/move', {
      to: 2,
      shards: [map.shardOf(m.userId)],
    })
    expect(res.status, JSON.stringify(res.json)).toBe(200)
    // The mover's session resumed on logic 2.
    await until(() => resumed > 0 && m.client.state === 'open', 30_000, 'the mover resumed')
    watching = false
    await watch
    await talk
    expect(during.length).toBeGreaterThan(0)
    const got = () =>
      m.pushes.filter((x) => x.channel === room && x.text.startsWith('during-')).map((x) => x.text)
    await until(() => during.every((t) => got().includes(t)), 30_000, 'every line sent during the move')
    const counts = new Map<string, number>()
    for (const t of got()) counts.set(t, (counts.get(t) ?? 0) + 1)
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([])
    expect(seen.length).toBeGreaterThan(0)
    for (const s of seen) expect(s).toEqual(before)
    expect(await names()).toEqual(before)

    // Lines after the move reach the mover on logic 2, and its lines reach the others.
    await creator.client.request(ChatSend, { channel: room, text: 'after-move' }, { response: ChatSendRes })
    await pushFor(m, (x) => x.channel === room && x.text === 'after-move', 'a line after the move', 30_000)
    await m.client.request(ChatSend, { channel: room, text: 'from-mover' }, { response: ChatSendRes })
    await pushFor(creator, (x) => x.text === 'from-mover', 'the mover’s line', 30_000)
    await pushFor(other, (x) => x.text === 'from-mover', 'the mover’s line', 30_000)
    const members = await m.client.request(ChatMembers, { channel: room }, { response: ChatMembersRes })
    expect(members.members.map((x) => String(x.userId)).sort()).toEqual(before)
    // The mover now lives on logic 2 (its row there after it logs out).
    await logOut(c, m)
    await until(async () => (await c.playerRow(2, String(m.userId))) !== undefined, 30_000, 'mover row on 2')
    await logOut(c, creator)
    await logOut(c, other)
  }, 300_000)

  it('takes a moving player out of its channels when the move fails after the hand-off', async () => {
    const c = cluster()
    const creator = await playerOn(c, { logic: 1, gateway: 201 }, SLOTS, 'smc-fc')
    const m = await moverOn(c, creator, 'smc-fm')
    const shard = map.shardOf(m.userId)
    const room = `smfail_${Date.now() % 1_000_000}`
    await creator.client.request(ChatCreate, { channel: room }, { response: ChatCreateRes })
    await m.client.request(ChatJoin, { channel: room }, { response: ChatJoinRes })
    const names = async (): Promise<string[]> =>
      (await creator.client.request(ChatMembers, { channel: room }, { response: ChatMembersRes })).members
        .map((x) => String(x.userId))
        .sort()
    expect(await names()).toEqual([creator.userId, m.userId].map(String).sort())

    // The receiver of this move is a member that takes the hand-off and then fails the move.
    const receiver = await startService('logic', 7, c.centerAddress, { timeoutMs: 15_000 })
    try {
      await until(() => receiver.proxy.membership.ofKind('logic').length >= 3, 15_000, 'membership')
      const starts: ShardMoveStart[] = []
      receiver.proxy.on(ShardMoveStart, (x) => starts.push(x))
      const move = c.admin<{ ok: boolean }>('/admin/shards/move', { to: 7, shards: [shard] })
      await until(() => starts.length > 0, 30_000, 'the move started')
      const h = await receiver.proxy.request(
        1,
        ShardHandOff,
        { shards: [shard], shardCount: 4096, toServiceId: 7 },
        ShardHandOffOk,
      )
      expect(h.sessions.map((x) => x.userId)).toContain(m.userId)
      // Handed off with its channel: nobody saw it leave yet.
      expect(await names()).toEqual([creator.userId, m.userId].map(String).sort())
      await receiver.proxy.request(
        CENTER_CHANNEL_ID,
        ShardMoveDone,
        { moveId: starts[0]!.moveId, error: 'failed by the test', users: 0, sessions: 0 },
        ShardTableState,
      )
      expect((await move).status).toBe(500)
      // The shard is logic 1's again and the session is gone: the player left its channel, as at a logout.
      await until(async () => (await names()).length === 1, 30_000, 'the lost mover out of the channel')
      expect(await names()).toEqual([String(creator.userId)])
    } finally {
      await receiver.close()
      await m.client.close()
      await logOut(c, creator)
    }
  }, 300_000)
})
