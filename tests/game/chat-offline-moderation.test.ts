// Chat end to end, the parts that outlive a session: private messages to an
// offline player (kept in its home logic's MariaDB, delivered exactly once
// at its next login, also after that logic was killed with kill -9), and
// operator actions from the center's admin endpoint (mute and ban, applied
// by the player's home logic within a second; system notices to everyone).
import {
  ChatCreate,
  ChatCreateRes,
  ChatJoin,
  ChatJoinRes,
  ChatKind,
  ChatMembers,
  ChatMembersRes,
  ChatPrivate,
  ChatPrivateRes,
  ChatSend,
  ChatSendRes,
} from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import {
  accountOn,
  adminPost,
  type ChatPlayer,
  connectOn,
  logOut,
  moderationRow,
  playerOn,
  pushFor,
} from './support/chat-players.js'
import { until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const SLOTS = [1, 2]
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('chat: offline mail and operator actions', () => {
  const cluster = useGameCluster({
    logics: SLOTS,
    gateways: [201, 202],
    loginArgs: ['--login.limits.register.limit', '100000'],
  })
  let ann: ChatPlayer // logic 1, gateway 201
  let bob: ChatPlayer // logic 2, gateway 202

  it('places two players on different logic processes and gateways', async () => {
    ann = await playerOn(cluster(), { logic: 1, gateway: 201 }, SLOTS, 'ann')
    bob = await playerOn(cluster(), { logic: 2, gateway: 202 }, SLOTS, 'bob')
  }, 120_000)

  it('system notice: POST /admin/chat/notice reaches every online player', async () => {
    const r = await adminPost(cluster(), '/admin/chat/notice', { text: 'server restarts at 05:00' })
    expect(r).toMatchObject({ status: 200, json: { ok: true, logics: 2 } })
    for (const p of [ann, bob]) {
      const m = await pushFor(p, (x) => x.kind === ChatKind.CHAT_KIND_SYSTEM, 'notice')
      expect(m).toMatchObject({ text: 'server restarts at 05:00', fromUserId: 0n })
    }
    expect((await adminPost(cluster(), '/admin/chat/notice', { text: '' })).status).toBe(400)
    expect((await adminPost(cluster(), '/admin/chat/mute', { userId: 'x', seconds: 5 })).status).toBe(400)
    expect(
      (await adminPost(cluster(), '/admin/chat/mute', { userId: String(bob.userId), seconds: -1 })).status,
    ).toBe(400)
  }, 60_000)

  for (const [who, other] of [
    ['bob', 'ann'],
    ['ann', 'bob'],
  ] as const) {
    it(`mute of ${who}: refused with CHAT_MUTED within a second, others unaffected, lifted by seconds 0`, async () => {
      const target = who === 'bob' ? bob : ann
      const peer = other === 'bob' ? bob : ann
      const r = await adminPost(cluster(), '/admin/chat/mute', {
        userId: String(target.userId),
        seconds: 600,
        reason: 'spam',
      })
      expect(r).toMatchObject({ status: 200, json: { ok: true, logics: 2 } })
      const t0 = Date.now()
      let refused: unknown
      while (refused === undefined && Date.now() - t0 < 1000) {
        try {
          await target.client.request(
            ChatSend,
            { channel: 'world', text: 'still here?' },
            { response: ChatSendRes },
          )
          await settle(50)
        } catch (err) {
          refused = err
        }
      }
      expect(Date.now() - t0).toBeLessThan(1000)
      expect(refused).toMatchObject({ code: 'CHAT_MUTED' })
      await expect(
        target.client.request(ChatPrivate, { toUserId: peer.userId, text: 'psst' }),
      ).rejects.toMatchObject({ code: 'CHAT_MUTED' })
      await until(() => target.moderation.some((m) => m.mutedUntilMs > 0n), 5000, 'the moderation push')
      // The other player still chats.
      await peer.client.request(ChatSend, { channel: 'world', text: 'I can talk' }, { response: ChatSendRes })
      // Lifted.
      await adminPost(cluster(), '/admin/chat/mute', { userId: String(target.userId), seconds: 0 })
      await until(
        async () =>
          target.client
            .request(ChatSend, { channel: 'world', text: 'free again' }, { response: ChatSendRes })
            .then(
              () => true,
              () => false,
            ),
        3000,
        'the mute to lift',
      )
    }, 60_000)
  }

  it('ban: ends chat for the player (sending, channels, receiving) until unbanned; kept across a re-login', async () => {
    const name = `ban_${Date.now() % 100000}`
    await ann.client.request(ChatCreate, { channel: name }, { response: ChatCreateRes })
    await bob.client.request(ChatJoin, { channel: name }, { response: ChatJoinRes })
    await adminPost(cluster(), '/admin/chat/ban', { userId: String(bob.userId), reason: 'abuse' })
    // Bob left the channel: the owner no longer lists him.
    await until(
      async () => {
        const m = await ann.client.request(ChatMembers, { channel: name }, { response: ChatMembersRes })
        return m.members.length === 1
      },
      1000,
      'bob out of the channel',
    )
    await expect(bob.client.request(ChatSend, { channel: 'world', text: 'hey' })).rejects.toMatchObject({
      code: 'CHAT_BANNED',
    })
    await expect(bob.client.request(ChatJoin, { channel: name })).rejects.toMatchObject({
      code: 'CHAT_BANNED',
    })
    // Private messages to him are refused; world lines do not reach him.
    await expect(ann.client.request(ChatPrivate, { toUserId: bob.userId, text: 'hi' })).rejects.toMatchObject(
      {
        code: 'CHAT_TARGET_UNAVAILABLE',
      },
    )
    const w = await ann.client.request(
      ChatSend,
      { channel: 'world', text: 'world while bob is banned' },
      { response: ChatSendRes },
    )
    await pushFor(ann, (m) => m.messageId === w.messageId, 'own line')
    await settle(300)
    expect(bob.pushes.some((m) => m.messageId === w.messageId)).toBe(false)
    // The ban is in logic 2's database: a new login keeps it.
    await logOut(cluster(), bob)
    bob = await connectOn(cluster(), bob.account, bob.userId, 202)
    await expect(bob.client.request(ChatSend, { channel: 'world', text: 'hey' })).rejects.toMatchObject({
      code: 'CHAT_BANNED',
    })
    await adminPost(cluster(), '/admin/chat/unban', { userId: String(bob.userId) })
    await until(
      async () =>
        bob.client.request(ChatSend, { channel: 'world', text: 'back' }, { response: ChatSendRes }).then(
          () => true,
          () => false,
        ),
      3000,
      'the ban to lift',
    )
  }, 120_000)

  it('private message to an offline player: stored, delivered at its next login exactly once', async () => {
    // Dora lives on logic 2 and has played once (her row exists), then leaves.
    const { account, userId } = await accountOn(cluster(), 2, SLOTS, 'dora')
    let dora = await connectOn(cluster(), account, userId, 201)
    await logOut(cluster(), dora)
    // Ann's rate budget (2 lines a second) may be spent by the case before: let it refill.
    await settle(1_100)
    const sent: bigint[] = []
    for (const text of ['are you there?', 'call me']) {
      const r = await ann.client.request(
        ChatPrivate,
        { toUserId: userId, text },
        { response: ChatPrivateRes },
      )
      expect(r.stored).toBe(true)
      sent.push(r.messageId)
    }
    dora = await connectOn(cluster(), account, userId, 202)
    await until(() => dora.pushes.length >= 2, 10_000, 'stored mail')
    expect(dora.pushes.map((m) => [m.messageId, m.text, m.stored, m.fromUserId])).toEqual([
      [sent[0], 'are you there?', true, ann.userId],
      [sent[1], 'call me', true, ann.userId],
    ])
    await logOut(cluster(), dora)
    // The next login gets nothing more.
    dora = await connectOn(cluster(), account, userId, 201)
    await settle(1500)
    expect(dora.pushes).toEqual([])
    await logOut(cluster(), dora)
  }, 120_000)

  it('stored mail survives kill -9 of the home logic and is delivered once after it restarts', async () => {
    const { account, userId } = await accountOn(cluster(), 2, SLOTS, 'ella')
    let ella = await connectOn(cluster(), account, userId, 201)
    await logOut(cluster(), ella)
    const r = await ann.client.request(
      ChatPrivate,
      { toUserId: userId, text: 'after the crash' },
      { response: ChatPrivateRes },
    )
    expect(r.stored).toBe(true)
    // A mute of Bob (home logic 2) is in logic 2's database before the kill...
    await adminPost(cluster(), '/admin/chat/mute', { userId: String(bob.userId), seconds: 600 })
    await until(
      async () => (await moderationRow(cluster(), 2, bob.userId)) !== undefined,
      5000,
      'the mute row',
    )
    await cluster().logics.get(2)!.kill9()
    await cluster().startLogic(2)
    // ...and holds after the restart.
    await bob.client.close()
    bob = await connectOn(cluster(), bob.account, bob.userId, 202)
    await expect(bob.client.request(ChatSend, { channel: 'world', text: 'hey' })).rejects.toMatchObject({
      code: 'CHAT_MUTED',
    })
    ella = await connectOn(cluster(), account, userId, 202)
    const m = await pushFor(ella, (x) => x.messageId === r.messageId, 'mail after restart', 20_000)
    expect(m).toMatchObject({ text: 'after the crash', stored: true, kind: ChatKind.CHAT_KIND_PRIVATE })
    await logOut(cluster(), ella)
    ella = await connectOn(cluster(), account, userId, 201)
    await settle(1500)
    expect(ella.pushes).toEqual([])
    await logOut(cluster(), ella)
  }, 180_000)
})
