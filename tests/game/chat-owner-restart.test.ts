// A channel's owner logic killed with kill -9 and restarted: the channel's
// definition, its members (players on the other logic, still online) and
// its last N lines are in the owner's database, so after the restart the
// members are still members (their lines reach each other) and a joiner
// gets the history, lines from before the kill included.
import { ShardMap } from '@tessera/kernel'
import {
  ChatCreate,
  ChatCreateRes,
  ChatJoin,
  ChatJoinRes,
  ChatMembers,
  ChatMembersRes,
  ChatSend,
  ChatSendRes,
} from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { playerOn, pushFor } from './support/chat-players.js'
import { until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const SLOTS = [1, 2]

describe('chat channels across a kill -9 of their owner logic', () => {
  const cluster = useGameCluster({
    logics: SLOTS,
    gateways: [201, 202],
    logicArgs: ['--chat.historySize', '3', '--chat.burst', '20', '--chat.ratePerSec', '10'],
    loginArgs: ['--login.limits.register.limit', '100000'],
  })

  it('keeps definition, members and history', async () => {
    const c = cluster()
    const map = new ShardMap(SLOTS, 4096)
    // A channel owned by logic 1; its members live on logic 2 (they stay online across the kill).
    let name = ''
    for (let i = 0; name === '' && i < 200; i++) if (map.logicOfName(`keep_${i}`) === 1) name = `keep_${i}`
    const ann = await playerOn(c, { logic: 2, gateway: 201 }, SLOTS, 'ann')
    const bob = await playerOn(c, { logic: 2, gateway: 202 }, SLOTS, 'bob')
    await ann.client.request(ChatCreate, { channel: name, maxMembers: 7 }, { response: ChatCreateRes })
    await bob.client.request(ChatJoin, { channel: name }, { response: ChatJoinRes })
    for (const text of ['one', 'two', 'three', 'four'])
      await ann.client.request(ChatSend, { channel: name, text }, { response: ChatSendRes })

    await c.logics.get(1)!.kill9()
    await c.startLogic(1)

    // Members are still members: a line after the restart reaches the other one.
    let sent: ChatSendRes | undefined
    await until(
      async () => {
        sent = await ann.client
          .request(ChatSend, { channel: name, text: 'five' }, { response: ChatSendRes })
          .catch((err: { code?: string }) => {
            // Only while logic 2 reconnects to the restarted owner.
            if (err.code !== 'CHAT_UNAVAILABLE') throw err
            return undefined
          })
        return sent !== undefined
      },
      30_000,
      'a line to the restarted owner',
    )
    expect(
      (await pushFor(bob, (m) => m.messageId === sent!.messageId, 'the line after the restart')).text,
    ).toBe('five')
    const members = await bob.client.request(ChatMembers, { channel: name }, { response: ChatMembersRes })
    expect(members.info?.maxMembers).toBe(7)
    expect(members.info?.creatorUserId).toBe(ann.userId)
    expect(members.members.map((m) => m.userId).sort()).toEqual([ann.userId, bob.userId].sort())

    // A joiner gets the last 3 lines, two of them from before the kill.
    const carl = await playerOn(c, { logic: 1, gateway: 201 }, SLOTS, 'carl')
    const j = await carl.client.request(ChatJoin, { channel: name }, { response: ChatJoinRes })
    expect(j.history.map((h) => h.text)).toEqual(['three', 'four', 'five'])
    expect(j.info?.members).toBe(3)
    for (const p of [ann, bob, carl]) await p.client.close()
  }, 180_000)
})
