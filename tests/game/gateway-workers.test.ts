// A gateway run as node:cluster workers (gateway.workers = 2): both workers
// share the client ports, each is its own service (201, 202), and the
// kernel hands each new connection to either. Login binds a hand-off to the
// gateway it picked, so a client sent to 201 often lands on 202: the token
// is bound to the port group (node + advertised addresses), so the sibling
// redeems it. Operator IP lists reach both workers.
import { connect } from 'node:net'
import { ProfileGet, ProfileGetRes } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { clientFor, login, newAccount, register, type Transport } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

/** Open a TCP connection from `from`; true when the server cut it at once (refused at accept). */
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

describe('gateway with node:cluster workers', () => {
  const cluster = useGameCluster({ gateways: [201], gatewayWorkers: 2 })

  it('serves hand-offs that land on a sibling worker', async () => {
    const landed: { issuedFor: number; redeemedAt: number }[] = []
    // Bounded: stop once a connection crossed to the sibling (and at least 6 played).
    for (let i = 0; i < 24 && (landed.length < 6 || landed.every((l) => l.issuedFor === l.redeemedAt)); i++) {
      const account = newAccount('wk')
      const userId = await register(cluster(), account)
      const a = await login(cluster(), account)
      expect([201, 202]).toContain(a.handoff.gatewayServiceId)
      const transport: Transport = i % 2 === 0 ? 'tcp' : 'ws'
      const c = clientFor(a.handoff, transport)
      try {
        await c.connect()
        const p = await c.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
        expect(String(p.profile?.userId)).toBe(userId)
        landed.push({
          issuedFor: a.handoff.gatewayServiceId,
          redeemedAt: (await cluster().onlineAt(userId))!,
        })
      } finally {
        await c.close()
      }
    }
    expect(landed.some((l) => l.issuedFor !== l.redeemedAt)).toBe(true)
    expect(new Set(landed.map((l) => l.redeemedAt))).toEqual(new Set([201, 202]))
  }, 180_000)

  it('applies operator IP lists in every worker', async () => {
    const port = cluster().gateways.get(201)!.tcp.port
    const r = await cluster().admin<{
      gateways: { serviceId: number; affected: number }[]
      unanswered: number[]
    }>('/admin/gateways/ip-rules', { deny: { add: ['127.0.0.2'] } })
    expect(r.status).toBe(200)
    expect(r.json.gateways.map((g) => g.serviceId)).toEqual([201, 202])
    expect(r.json.unanswered).toEqual([])
    // Connections go round-robin over the workers: every one of them is cut.
    for (let i = 0; i < 6; i++) expect(await cutAtOnce(port, '127.0.0.2')).toBe(true)
    expect(await cutAtOnce(port, '127.0.0.3')).toBe(false)
    await cluster().admin('/admin/gateways/ip-rules', { deny: { remove: ['127.0.0.2'] } })
    for (let i = 0; i < 4; i++) expect(await cutAtOnce(port, '127.0.0.2')).toBe(false)
  }, 120_000)
})
