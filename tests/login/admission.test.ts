// The admission queue against a real 2-process login node: online cap 10,
// 30 players log in → 10 admitted, 20 queued at positions 1..20; as players
// leave the gateway, the queue is admitted in arrival order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoginNode, post, startLoginNode } from './support/login-node.js'

const GOOD = 'correct horse battery'

interface Handoff {
  token: string
  gatewayServiceId: number
}

describe('admission: online cap 10, 30 players', () => {
  let node: LoginNode
  const api = (route: string, body: unknown, from?: string) => post(node.http, route, body, from)

  beforeAll(async () => {
    node = await startLoginNode({ processes: 2, login: { admission: { onlineCap: 10, updateMs: 100 } } })
  }, 90_000)
  afterAll(() => node?.stop(), 60_000)

  it('admits 10, queues 20 with positions 1..20, and admits them in order as players leave', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `player${String(i).padStart(2, '0')}`)
    // Registrations are limited per address (20 an hour): register from a few.
    for (const [i, n] of names.entries())
      expect((await api('/v1/register', { account: n, password: GOOD }, `127.0.3.${i % 3}`)).status).toBe(200)
    const gw = node.gateways[0]!
    const online: { userId: bigint; loginEpoch: bigint }[] = []
    const tickets: string[] = []
    for (const n of names) {
      const r = await api('/v1/login', { account: n, password: GOOD })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      if (r.body.handoff) {
        const ok = await gw.redeem((r.body.handoff as Handoff).token)
        online.push({ userId: ok.userId, loginEpoch: ok.loginEpoch })
      } else {
        const q = r.body.queue as { ticket: string; position: number; keepAliveMs: number }
        expect(q.position, n).toBe(tickets.length + 1)
        tickets.push(q.ticket)
      }
    }
    expect(online).toHaveLength(10)
    expect(tickets).toHaveLength(20)
    // Polling tells the same positions and admits nobody while the cap is reached.
    for (const [i, t] of tickets.entries())
      expect((await api('/v1/queue/poll', { ticket: t })).body).toEqual({ position: i + 1 })

    // Players leave one at a time; each time exactly the head of the queue is admitted.
    let waiting = [...tickets]
    while (waiting.length > 0) {
      const leaving = online.shift()!
      await gw.offline([leaving])
      const answers = []
      for (const t of waiting) answers.push((await api('/v1/queue/poll', { ticket: t })).body)
      const head = answers[0] as { position: number; handoff?: Handoff }
      expect(head.position).toBe(0)
      expect(head.handoff?.gatewayServiceId).toBe(7)
      for (const [i, a] of answers.slice(1).entries())
        expect(a, `behind the head, #${i + 1}`).toEqual({ position: i + 1 })
      const ok = await gw.redeem(head.handoff!.token)
      online.push({ userId: ok.userId, loginEpoch: ok.loginEpoch })
      waiting = waiting.slice(1)
    }
    // The admitted ticket is spent.
    const spent = await api('/v1/queue/poll', { ticket: tickets[0] })
    expect(spent.body.error?.code).toBe('LOGIN_QUEUE_TICKET_UNKNOWN')
  }, 120_000)
})
