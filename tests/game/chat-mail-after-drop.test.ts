// A private message pushed to a session whose connection dropped (the
// session waits out logic.resumeGraceMs for a resume) sits in its replay
// buffer. If the player does not resume — it logs in afresh, or the grace
// runs out — the session ends with the line unacknowledged, and it must not
// be lost: it goes back to the mailbox (same message id) and reaches the
// player at its next login.
import type { SocketFactory } from '@tessera/client'
import { TesseraClient } from '@tessera/client'
import { handoffTcp } from '@tessera/client/node'
import { ChatKind, ChatPrivate, ChatPrivateRes, type ChatPush } from '@tessera/protocol'
import { serverUrl, sql } from '@tessera/storage/testing'
import { describe, expect, it } from 'vitest'
import { type ChatPlayer, connectOn, playerOn, pushFor } from './support/chat-players.js'
import { login, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const GRACE_MS = 4000

/** Connect `account` with a socket the test can cut (a drop: no Goodbye, no resume). */
async function droppable(cluster: Parameters<typeof login>[0], account: string) {
  const answer = await login(cluster, account)
  let current: { close(): void } | null = null
  const inner = handoffTcp(answer.handoff)
  const factory: SocketFactory = (events) => {
    const s = inner(events)
    current = s
    return s
  }
  const client = new TesseraClient({ socket: factory, token: answer.handoff.token, reconnect: false })
  await client.connect()
  return {
    async drop() {
      const closed = new Promise((r) => client.on('close', r))
      current?.close()
      await closed
    },
  }
}

describe('private messages to a session that dropped and never resumed', () => {
  const cluster = useGameCluster({
    logicArgs: ['--logic.resumeGraceMs', String(GRACE_MS)],
    gateways: [201],
  })
  let ann: ChatPlayer

  const mailRows = async (userId: bigint) => {
    const db = `logic_${cluster().machineIds.get(1)}`
    return (await sql(await serverUrl(), `SELECT id FROM \`${db}\`.chat_mail WHERE to_user_id = ?`, [
      String(userId),
    ])) as { id: string }[]
  }

  const sendTo = (to: bigint, text: string) =>
    ann.client.request(ChatPrivate, { toUserId: to, text }, { response: ChatPrivateRes })

  it('a line pushed during the resume grace reaches the player who logs in afresh', async () => {
    ann = await playerOn(cluster(), { logic: 1, gateway: 201 }, [1], 'ma')
    const bob = await playerOn(cluster(), { logic: 1, gateway: 201 }, [1], 'mb')
    await bob.client.close()
    const d = await droppable(cluster(), bob.account)
    await d.drop()
    // Bob's session lingers: the line is pushed to it (not stored), and never acknowledged.
    const r = await sendTo(bob.userId, 'while you were away')
    expect(r.stored).toBe(false)
    // Bob logs in afresh (a new session replaces the lingering one, no resume).
    const again = await connectOn(cluster(), bob.account, bob.userId, 201)
    const got = await pushFor(
      again,
      (m) => m.messageId === r.messageId,
      'the line at the fresh login',
      20_000,
    )
    expect(got).toMatchObject({ kind: ChatKind.CHAT_KIND_PRIVATE, text: 'while you were away', stored: true })
    await until(async () => (await mailRows(bob.userId)).length === 0, 10_000, 'the mailbox emptied')
    await again.client.close()
  }, 120_000)

  it('a line pushed during the resume grace is kept as mail when the grace runs out', async () => {
    const cara = await playerOn(cluster(), { logic: 1, gateway: 201 }, [1], 'mc')
    await cara.client.close()
    const d = await droppable(cluster(), cara.account)
    await d.drop()
    const r = await sendTo(cara.userId, 'kept for later')
    expect(r.stored).toBe(false)
    // The grace ends with the line unacknowledged: it is back in the mailbox.
    await until(
      async () => (await mailRows(cara.userId)).some((m) => BigInt(m.id) === r.messageId),
      GRACE_MS + 20_000,
      'the line kept as mail',
    )
    const back = await connectOn(cluster(), cara.account, cara.userId, 201)
    const got = await pushFor(back, (m) => m.messageId === r.messageId, 'the line at the next login')
    expect(got.stored).toBe(true)
    // Exactly once: one push of that id.
    await new Promise((res) => setTimeout(res, 500))
    expect(back.pushes.filter((m: ChatPush) => m.messageId === r.messageId)).toHaveLength(1)
    await back.client.close()
  }, 120_000)
})
