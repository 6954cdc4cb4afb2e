// Operator actions from the center's admin endpoint reach every gateway
// process: a kick by user id (Kick{KICK_ADMIN}), a notice pushed to every
// connected client, and the client IP lists (a newly denied address loses
// its sessions and cannot connect; a gateway that starts later gets the
// lists before it opens its ports). Every POST needs the admin token.
import { connect } from 'node:net'
import type { TesseraClient } from '@tessera/client'
import { GateKickUser, GateNotice, KickReason, Notice, ProfileGet, ProfileGetRes } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
// biome-ignore lint/style/noRestrictedImports: cluster members from the center's test harness play a silent gateway and a hostile peer
import { startService } from '../../services/center/src/fixtures/harness.js'
import { ADMIN_TOKEN, type GameCluster } from './support/game-cluster.js'
import { clientFor, clientFrom, loginAt, newAccount, register, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

interface Outcome {
  affected: number
  gateways: { serviceId: number; affected: number; error?: string }[]
  unanswered: number[]
}

/** A player connected at `gatewayId` (from 127.0.0.1 over TCP, or from `from` over WebSocket). */
async function playerAt(cluster: GameCluster, gatewayId: number, from?: string) {
  const account = newAccount('adm')
  const userId = await register(cluster, account)
  const answer = await loginAt(cluster, account, gatewayId)
  const client = from ? clientFrom(answer.handoff, from) : clientFor(answer.handoff, 'tcp')
  const notices: string[] = []
  const kicks: { reason: number; message: string }[] = []
  client.onPush(Notice, (n) => notices.push(n.text))
  client.on('kicked', (k) => kicks.push({ reason: k.reason, message: k.message }))
  await client.connect()
  return { userId, client, notices, kicks }
}

async function alive(c: TesseraClient): Promise<boolean> {
  const r = await c.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes, timeoutMs: 10_000 })
  return r.profile !== undefined
}

/** Open a TCP connection from `from` and report whether the server cut it at once (refused at accept). */
function cutAtOnce(port: number, from: string, waitMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: from })
    const timer = setTimeout(() => {
      s.destroy()
      resolve(false)
    }, waitMs)
    s.on('error', () => {})
    s.once('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

describe('operator actions on every gateway', () => {
  const cluster = useGameCluster({ gateways: [201, 202] })

  it('refuses a POST without the right admin token, and runs it with it', async () => {
    const a = await playerAt(cluster(), 201)
    try {
      for (const token of [null, 'not-the-admin-token-at-all', `${ADMIN_TOKEN}x`]) {
        const r = await cluster().admin<{ error: { code: string } }>(
          '/admin/gateways/notice',
          { text: 'forged' },
          token,
        )
        expect(r.status).toBe(401)
        expect(r.json.error.code).toBe('ADMIN_UNAUTHORIZED')
      }
      await cluster().center.waitFor((l) => l.msg === 'admin action refused', 10_000, 'the refusal logged')
      const r = await cluster().admin<Outcome>('/admin/gateways/notice', { text: 'signed' })
      expect(r.status).toBe(200)
      await until(() => a.notices.length > 0, 10_000, 'the notice')
      // Only the authorised one arrived (the refused ones never reached a gateway).
      await alive(a.client)
      expect(a.notices).toEqual(['signed'])
    } finally {
      await a.client.close()
    }
  }, 120_000)

  it('pushes a notice to the clients of both gateway processes', async () => {
    const a = await playerAt(cluster(), 201)
    const b = await playerAt(cluster(), 202)
    try {
      const r = await cluster().admin<Outcome>('/admin/gateways/notice', {
        text: 'maintenance at 04:00 UTC',
      })
      expect(r.status).toBe(200)
      expect(r.json.unanswered).toEqual([])
      expect(r.json.gateways.map((g) => g.serviceId)).toEqual([201, 202])
      for (const g of r.json.gateways) expect(g.affected).toBeGreaterThanOrEqual(1)
      await until(() => a.notices.length > 0 && b.notices.length > 0, 10_000, 'notices on both gateways')
      expect(a.notices).toEqual(['maintenance at 04:00 UTC'])
      expect(b.notices).toEqual(['maintenance at 04:00 UTC'])
      // A notice is a control frame: game traffic goes on as before.
      expect(await alive(a.client)).toBe(true)
      expect(await alive(b.client)).toBe(true)
      const bad = await cluster().admin<{ error: { code: string } }>('/admin/gateways/notice', { text: '' })
      expect(bad.status).toBe(400)
      expect(bad.json.error.code).toBe('CENTER_BAD_ADMIN_REQUEST')
    } finally {
      await a.client.close()
      await b.client.close()
    }
  }, 120_000)

  it('kicks a user by id on whichever gateway holds them, with KICK_ADMIN', async () => {
    const a = await playerAt(cluster(), 201)
    const b = await playerAt(cluster(), 202)
    try {
      for (const [p, at] of [
        [a, 201],
        [b, 202],
      ] as const) {
        const closed = new Promise<unknown>((r) => p.client.on('close', (e) => r(e.error)))
        const r = await cluster().admin<Outcome>('/admin/gateways/kick', {
          userId: p.userId,
          message: 'cheating investigation',
        })
        expect(r.status).toBe(200)
        expect(r.json.unanswered).toEqual([])
        expect(r.json.gateways).toEqual([
          { serviceId: 201, affected: at === 201 ? 1 : 0 },
          { serviceId: 202, affected: at === 202 ? 1 : 0 },
        ])
        expect(await closed).toMatchObject({ code: 'CLIENT_KICKED' })
        expect(p.kicks).toEqual([{ reason: KickReason.KICK_ADMIN, message: 'cheating investigation' }])
      }
      const bad = await cluster().admin<{ error: { code: string } }>('/admin/gateways/kick', { userId: 'x' })
      expect(bad.status).toBe(400)
    } finally {
      await a.client.close()
      await b.client.close()
    }
  }, 120_000)

  it('takes actions only from the center, and reports a gateway that does not answer', async () => {
    const a = await playerAt(cluster(), 201)
    // A cluster member that is not the center (it holds the secret) tells the gateways to act.
    const hostile = await startService('logic', 77, cluster().centerAddress)
    // A registered gateway that never answers (hung, or an old version).
    const silent = await startService('gateway', 299, cluster().centerAddress)
    try {
      await until(() => hostile.proxy.membership.get(201) !== undefined, 10_000, 'membership')
      hostile.proxy.notify(201, GateKickUser, { actionId: 1, userId: BigInt(a.userId), message: 'forged' })
      hostile.proxy.notify(201, GateNotice, { actionId: 2, text: 'forged', sentAtMs: 0n })
      const r = await cluster().admin<Outcome>('/admin/gateways/notice', { text: 'real' })
      expect(r.status).toBe(200)
      expect(r.json.unanswered).toEqual([299])
      expect(r.json.gateways.map((g) => g.serviceId)).toEqual([201, 202])
      await until(() => a.notices.length > 0, 10_000, 'the real notice')
      expect(await alive(a.client)).toBe(true)
      expect(a.notices).toEqual(['real'])
      expect(a.kicks).toEqual([])
    } finally {
      await silent.close()
      await hostile.close()
      await a.client.close()
    }
  }, 120_000)

  it('denies an address on every gateway: its sessions close, it cannot connect; others play on', async () => {
    const gw = [cluster().gateways.get(201)!, cluster().gateways.get(202)!]
    const denied = [await playerAt(cluster(), 201, '127.0.0.2'), await playerAt(cluster(), 202, '127.0.0.2')]
    const fine = [await playerAt(cluster(), 201, '127.0.0.3'), await playerAt(cluster(), 202)]
    try {
      for (const g of gw) expect(await cutAtOnce(g.tcp.port, '127.0.0.2')).toBe(false)
      const bad = await cluster().admin<{ error: { code: string } }>('/admin/gateways/ip-rules', {
        deny: { add: ['127.0.0.999'] },
      })
      expect(bad.status).toBe(400)
      expect(bad.json.error.code).toBe('NET_BAD_IP_RULE')

      const r = await cluster().admin<Outcome & { rules: { deny: string[]; version: string } }>(
        '/admin/gateways/ip-rules',
        { deny: { add: ['127.0.0.2/32'] } },
      )
      expect(r.status).toBe(200)
      expect(r.json.rules.deny).toEqual(['127.0.0.2/32'])
      expect(r.json.unanswered).toEqual([])
      expect(r.json.gateways).toEqual([
        { serviceId: 201, affected: 1 },
        { serviceId: 202, affected: 1 },
      ])
      for (const p of denied) {
        await until(() => p.client.state === 'closed', 10_000, 'denied client closed')
        expect(p.kicks).toEqual([{ reason: KickReason.KICK_ADMIN, message: 'your address is not allowed' }])
      }
      for (const p of fine) expect(await alive(p.client)).toBe(true)
      for (const g of gw) expect(await cutAtOnce(g.tcp.port, '127.0.0.2')).toBe(true)
      expect(await cutAtOnce(gw[0]!.tcp.port, '127.0.0.3')).toBe(false)

      // A gateway process started later gets the lists before it opens its ports.
      await gw[1]!.proc.stop()
      const again = await cluster().startGateway(202)
      expect(await cutAtOnce(again.tcp.port, '127.0.0.2')).toBe(true)
      expect(await cutAtOnce(again.tcp.port, '127.0.0.3')).toBe(false)

      const lifted = await cluster().admin<Outcome>('/admin/gateways/ip-rules', {
        deny: { remove: ['127.0.0.2/32'] },
      })
      expect(lifted.status).toBe(200)
      expect(lifted.json.gateways.map((g) => g.serviceId)).toEqual([201, 202])
      const back = await playerAt(cluster(), 202, '127.0.0.2')
      expect(await alive(back.client)).toBe(true)
      await back.client.close()
    } finally {
      for (const p of [...denied, ...fine]) await p.client.close()
    }
  }, 180_000)
})
