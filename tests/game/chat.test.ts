// Chat end to end on real processes: two logic processes, two gateways,
// the center, login and MariaDB. Players are placed on a chosen logic (by
// the shard map) and gateway, so every line here crosses processes: world,
// named channel (owned by one logic, members on both) and private messages;
// the member cap, length cap and rate limit with their codes; history on
// join; and the fan-out cost, counted in ToClient cluster messages.
import { ShardMap } from '@tessera/kernel'
import {
  ChatCreate,
  ChatCreateRes,
  ChatJoin,
  ChatJoinRes,
  ChatKind,
  ChatLeave,
  ChatMembers,
  ChatMembersRes,
  ChatPrivate,
  ChatPrivateRes,
  ChatSend,
  ChatSendRes,
} from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { type ChatPlayer, metric, playerOn, pushFor } from './support/chat-players.js'
import { until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const SLOTS = [1, 2]

describe('chat across gateways and logic processes', () => {
  const cluster = useGameCluster({
    logics: SLOTS,
    gateways: [201, 202],
    logicArgs: [
      '--admin.listen',
      'http://127.0.0.1:0',
      '--chat.maxLength',
      '40',
      '--chat.historySize',
      '3',
      '--chat.maxMembers',
      '50',
      '--chat.ratePerSec',
      '0.5',
      '--chat.burst',
      '8',
    ],
    loginArgs: ['--login.limits.register.limit', '100000'],
  })
  let ann: ChatPlayer // logic 1, gateway 201
  let bob: ChatPlayer // logic 2, gateway 202

  const admin = async (logic: number) =>
    (
      await cluster()
        .logics.get(logic)!
        .waitFor((j) => j.msg === 'admin endpoint listening', 30_000, 'logic admin address')
    ).address as string

  it('places the two players on different logic processes and gateways', async () => {
    ann = await playerOn(cluster(), { logic: 1, gateway: 201 }, SLOTS, 'ann')
    bob = await playerOn(cluster(), { logic: 2, gateway: 202 }, SLOTS, 'bob')
    const map = new ShardMap(SLOTS, 4096)
    expect([map.logicOf(ann.userId), ann.answer.handoff.gatewayServiceId]).toEqual([1, 201])
    expect([map.logicOf(bob.userId), bob.answer.handoff.gatewayServiceId]).toEqual([2, 202])
  }, 120_000)

  it('world: a line reaches every online player, normalised (NFC, controls removed)', async () => {
    const r = await ann.client.request(
      ChatSend,
      { channel: 'world', text: ' Cafe\u0301\u0000 au\u202E lait ' },
      {
        response: ChatSendRes,
      },
    )
    const pred = (m: { messageId: bigint }) => m.messageId === r.messageId
    const atBob = await pushFor(bob, pred, 'world line')
    expect(atBob).toMatchObject({
      channel: 'world',
      kind: ChatKind.CHAT_KIND_CHANNEL,
      fromUserId: ann.userId,
      fromNickname: ann.nickname,
      text: 'Caf\u00e9 au lait',
    })
    await pushFor(ann, pred, 'own world line')
  }, 60_000)

  it('private: to a player online on another logic and gateway', async () => {
    const r = await bob.client.request(
      ChatPrivate,
      { toUserId: ann.userId, text: 'psst' },
      {
        response: ChatPrivateRes,
      },
    )
    expect(r.stored).toBe(false)
    const m = await pushFor(ann, (x) => x.messageId === r.messageId, 'private message')
    expect(m).toMatchObject({
      kind: ChatKind.CHAT_KIND_PRIVATE,
      fromUserId: bob.userId,
      toUserId: ann.userId,
      text: 'psst',
    })
    expect(bob.pushes.some((x) => x.messageId === r.messageId)).toBe(false)
    await expect(
      bob.client.request(ChatPrivate, { toUserId: 123456789n, text: 'anyone?' }),
    ).rejects.toMatchObject({ code: 'CHAT_TARGET_UNAVAILABLE' })
  }, 60_000)

  it('named channel: create, join from the other logic, lines both ways, members, leave', async () => {
    const name = `guild_${Date.now() % 100000}`
    const created = await ann.client.request(
      ChatCreate,
      { channel: name, maxMembers: 10 },
      { response: ChatCreateRes },
    )
    expect(created.info).toMatchObject({ name, members: 1, maxMembers: 10, creatorUserId: ann.userId })
    // Not a member yet: refused.
    await expect(bob.client.request(ChatSend, { channel: name, text: 'hi' })).rejects.toMatchObject({
      code: 'CHAT_NOT_MEMBER',
    })
    const joined = await bob.client.request(ChatJoin, { channel: name }, { response: ChatJoinRes })
    expect(joined.info?.members).toBe(2)
    const a = await ann.client.request(
      ChatSend,
      { channel: name, text: 'welcome' },
      { response: ChatSendRes },
    )
    const b = await bob.client.request(ChatSend, { channel: name, text: 'thanks' }, { response: ChatSendRes })
    expect((await pushFor(bob, (m) => m.messageId === a.messageId, 'ann line')).channel).toBe(name)
    expect((await pushFor(ann, (m) => m.messageId === b.messageId, 'bob line')).text).toBe('thanks')
    const members = await bob.client.request(ChatMembers, { channel: name }, { response: ChatMembersRes })
    expect(members.members.map((m) => m.userId).sort()).toEqual([ann.userId, bob.userId].sort())
    await bob.client.request(ChatLeave, { channel: name })
    await expect(bob.client.request(ChatMembers, { channel: name })).rejects.toMatchObject({
      code: 'CHAT_NOT_MEMBER',
    })
    await expect(ann.client.request(ChatCreate, { channel: name })).rejects.toMatchObject({
      code: 'CHAT_CHANNEL_EXISTS',
    })
    await expect(bob.client.request(ChatJoin, { channel: 'no_such_room' })).rejects.toMatchObject({
      code: 'CHAT_NO_CHANNEL',
    })
    await expect(bob.client.request(ChatJoin, { channel: 'bad name!' })).rejects.toMatchObject({
      code: 'CHAT_BAD_CHANNEL_NAME',
    })
  }, 60_000)

  it('member cap: the join past the cap is refused with CHAT_CHANNEL_FULL', async () => {
    const name = `small_${Date.now() % 100000}`
    await ann.client.request(ChatCreate, { channel: name, maxMembers: 2 }, { response: ChatCreateRes })
    await bob.client.request(ChatJoin, { channel: name }, { response: ChatJoinRes })
    const carl = await playerOn(cluster(), { logic: 2, gateway: 201 }, SLOTS, 'carl')
    await expect(carl.client.request(ChatJoin, { channel: name })).rejects.toMatchObject({
      code: 'CHAT_CHANNEL_FULL',
    })
    // A cap above chat.maxMembers (50) is clamped to it.
    const big = await carl.client.request(
      ChatCreate,
      { channel: `${name}_b`, maxMembers: 1000 },
      {
        response: ChatCreateRes,
      },
    )
    expect(big.info?.maxMembers).toBe(50)
    await carl.client.close()
  }, 120_000)

  it('history: a player joining gets the last N lines (N = 3), oldest first', async () => {
    const name = `hist_${Date.now() % 100000}`
    const dana = await playerOn(cluster(), { logic: 1, gateway: 202 }, SLOTS, 'dana')
    await dana.client.request(ChatCreate, { channel: name }, { response: ChatCreateRes })
    for (const t of ['one', 'two', 'three', 'four', 'five'])
      await dana.client.request(ChatSend, { channel: name, text: t }, { response: ChatSendRes })
    const j = await bob.client.request(ChatJoin, { channel: name }, { response: ChatJoinRes })
    expect(j.history.map((h) => h.text)).toEqual(['three', 'four', 'five'])
    expect(j.history.every((h) => h.fromUserId === dana.userId && h.channel === name)).toBe(true)
    await dana.client.close()
  }, 120_000)

  it('length cap and rate limit refuse with their own codes; nothing is delivered', async () => {
    const eve = await playerOn(cluster(), { logic: 2, gateway: 201 }, SLOTS, 'eve')
    const before = ann.pushes.length
    await expect(
      eve.client.request(ChatSend, { channel: 'world', text: 'x'.repeat(41) }),
    ).rejects.toMatchObject({
      code: 'CHAT_TOO_LONG',
    })
    await expect(
      eve.client.request(ChatSend, { channel: 'world', text: '\u0000 \u0001' }),
    ).rejects.toMatchObject({
      code: 'CHAT_EMPTY',
    })
    // Exactly 40 characters pass.
    await eve.client.request(ChatSend, { channel: 'world', text: 'y'.repeat(40) }, { response: ChatSendRes })
    // Burst 8 at 0.5 lines/s: within 20 quick lines one is refused.
    let refused: unknown
    let sent = 1
    for (let i = 0; i < 20 && refused === undefined; i++) {
      try {
        await eve.client.request(ChatSend, { channel: 'world', text: `spam ${i}` }, { response: ChatSendRes })
        sent++
      } catch (err) {
        refused = err
      }
    }
    expect(refused).toMatchObject({ code: 'CHAT_RATE_LIMITED' })
    expect(sent).toBeGreaterThanOrEqual(8)
    expect(sent).toBeLessThan(20)
    await until(() => ann.pushes.length - before >= sent, 10_000, 'the accepted lines')
    expect(ann.pushes.slice(before).filter((m) => m.fromUserId === eve.userId)).toHaveLength(sent)
    await eve.client.close()
  }, 120_000)

  it('fan-out: one ToClient per gateway per line on each logic, not one per member', async () => {
    const name = `fan_${Date.now() % 100000}`
    // Three members on each (logic, gateway) pair: 6 per logic, on 2 gateways.
    const members: ChatPlayer[] = []
    for (const logic of SLOTS)
      for (const gateway of [201, 202])
        for (let i = 0; i < 3; i++) members.push(await playerOn(cluster(), { logic, gateway }, SLOTS, 'fan'))
    await members[0]!.client.request(ChatCreate, { channel: name }, { response: ChatCreateRes })
    for (const m of members.slice(1))
      await m.client.request(ChatJoin, { channel: name }, { response: ChatJoinRes })
    // The sender is on logic 1; logic 2 only relays lines to its 6 members.
    const sender = members[0]!
    const adminOf2 = await admin(2)
    // Let acknowledgements of the joins settle before counting.
    await new Promise((r) => setTimeout(r, 500))
    const before = await metric(adminOf2, 'logic_to_client_messages_total')
    const LINES = 4
    const ids: bigint[] = []
    for (let i = 0; i < LINES; i++)
      ids.push(
        (
          await sender.client.request(
            ChatSend,
            { channel: name, text: `fan ${i}` },
            { response: ChatSendRes },
          )
        ).messageId,
      )
    for (const m of members)
      await until(
        () => ids.every((id) => m.pushes.some((p) => p.messageId === id)),
        15_000,
        `${m.account} got every line`,
      )
    const after = await metric(adminOf2, 'logic_to_client_messages_total')
    // 6 members on logic 2 over 2 gateways: 2 per line (6 if sent one per member).
    expect(after - before).toBe(2 * LINES)
    for (const m of members) await m.client.close()
  }, 300_000)
})
